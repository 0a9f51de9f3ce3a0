"""The terminal chat: the same bot as Slack and Teams, with no credentials at all."""
from __future__ import annotations

import re
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape

from bot.core import Bot
from bot.messages import Actor, Choice, Reply, ReplyKind, Request
from bot.render import Style, render_text

_BOLD = re.compile(r"\*([^*\n]+)\*")
_ITALIC = re.compile(r"(?<!\w)_([^_\n]+)_(?!\w)")
_CODE = re.compile(r"`([^`\n]+)`")
# Replies are escaped whole in to_rich: the catalogue's own "[because …]" is text too, not markup.
STYLE = Style()
PROMPT = "[bold cyan]you[/] › "
QUIT_WORDS = {"quit", "exit", ":q", "bye", "salir"}


def to_rich(text: str) -> str:
    """Escape a rendered reply for rich, then turn its *bold*, _italic_ and `code` into markup."""
    text = _BOLD.sub(r"[bold]\1[/bold]", escape(text))
    text = _ITALIC.sub(r"[italic]\1[/italic]", text)
    return _CODE.sub(r"[cyan]\1[/cyan]", text)


def show(console: Console, reply: Reply) -> None:
    console.print(f"[bold magenta]pocbot[/] › {to_rich(render_text(reply, STYLE))}")


def picked(last: Reply | None, line: str) -> Choice | None:
    """The choice a bare number picks from the close call just shown, if any."""
    if last is None or not line.strip().isdecimal() or len(line.strip()) > 2:
        return None
    number = int(line.strip())
    return last.choices[number - 1] if 0 < number <= len(last.choices) else None


def run_chat(bot: Bot, actor: Actor, console: Console, *, deliver: Callable[[], object]) -> None:
    """Read questions until end of input or a quit word; answer each one. After a change,
    `deliver` (from the wiring) shows the announcements and DMs it caused to console people."""
    console.print("[dim]Ask who the POC is for anything. `help` for help, `quit` to leave.[/]")
    last: Reply | None = None  # a close call, whose choices may be picked by number
    try:
        while True:
            try:
                line = console.input(PROMPT)
            except (EOFError, KeyboardInterrupt):
                console.print()
                return
            if line.strip().lower() in QUIT_WORDS:
                return
            choice = picked(last, line)
            last_query = last.query if last else ""
            reply = bot.pick(actor, choice.topic_id, last_query, lang=last.lang) if choice and last else \
                bot.handle(Request(text=line, actor=actor))
            last = reply if reply.choices else None
            show(console, reply)
            bot.record(actor, last_query if choice else line, reply)
            if reply.kind is ReplyKind.done:
                deliver()
    finally:
        bot.flush()
