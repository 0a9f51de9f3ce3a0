"""Delivers outbox rows addressed to the console (people known only by email) as rich text."""
from __future__ import annotations

import logging

from rich.console import Console
from rich.markup import escape

from bot.notices import render_notice
from bot.delivery import OutboundMessage
from integrations.console.chat import STYLE, to_rich

_LOGGER = logging.getLogger(__name__)


class ConsoleNotifier:
    """Prints each notice with its recipient; printing cannot fail, so it never retries."""

    platform = "console"

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()

    def deliver(self, message: OutboundMessage) -> None:
        text = to_rich(render_notice(message, STYLE))
        self.console.print(f"[bold magenta]pocbot[/] → [cyan]{escape(message.address)}[/] › {text}")
