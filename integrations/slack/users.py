"""Slack users seen for the first time: linked to directory people by their email (users.info)."""
from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Bot
from bot.messages import Actor
from integrations.identities import on_loop

_LOGGER = logging.getLogger(__name__)


class SlackLinker:
    """The Slack way to link a stranger (integrations.identities.Linker): their profile's
    email; the identity cache asks at most once an hour per stranger."""

    def __init__(self, bot: Bot, client: AsyncWebClient) -> None:
        self.bot = bot
        self.client = client

    def __call__(self, actor: Actor, loop: asyncio.AbstractEventLoop) -> Actor:
        email = on_loop(self._email(actor.user_id), loop)
        return self.bot.link(actor, email) if email else actor

    async def _email(self, user_id: str) -> str | None:
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            _LOGGER.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return None
        except Exception:  # a network failure must not stop the answer
            _LOGGER.warning("users.info failed for %s", user_id, exc_info=True)
            return None
        return ((response.get("user") or {}).get("profile") or {}).get("email")
