"""Slack users to directory people: by stored slack_id, else by email on first sight."""
from __future__ import annotations

import asyncio
import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Bot
from bot.messages import Actor

_LOGGER = logging.getLogger(__name__)
UNKNOWN_TTL_SECONDS = 3600.0
KNOWN_TTL_SECONDS = 300.0  # a re-linked person shows up within five minutes
MAX_STRANGERS = 10_000


class SlackPeople:
    """Finds who a Slack user is, asking Slack (users.info) at most once an hour for strangers."""

    def __init__(self, bot: Bot, client: AsyncWebClient) -> None:
        self.bot = bot
        self.client = client
        self._strangers: dict[str, float] = {}
        self._known: dict[str, tuple[Actor, float]] = {}

    async def actor(self, user_id: str, name: str = "") -> Actor:
        known = self._known.get(user_id)
        if known is not None and time.monotonic() - known[1] < KNOWN_TTL_SECONDS:
            return known[0]
        actor = await asyncio.to_thread(self.bot.identify, Actor("slack", user_id, name))
        if actor.person_id is not None:
            self._remember(user_id, actor)
        if actor.person_id is not None or self._recently_unknown(user_id):
            return actor
        email = await self._email(user_id)
        if email:
            actor = await asyncio.to_thread(self.bot.link, actor, email)
        if actor.person_id is not None:
            self._remember(user_id, actor)
        else:
            self._remember_stranger(user_id)
        return actor

    def _remember(self, user_id: str, actor: Actor) -> None:
        if len(self._known) >= MAX_STRANGERS:
            self._known.clear()  # a rare, cheap reset beats bookkeeping an LRU
        self._known[user_id] = (actor, time.monotonic())

    def _remember_stranger(self, user_id: str) -> None:
        now = time.monotonic()
        if len(self._strangers) >= MAX_STRANGERS:  # forget the expired ones first
            self._strangers = {u: s for u, s in self._strangers.items() if now - s < UNKNOWN_TTL_SECONDS}
        self._strangers[user_id] = now

    def _recently_unknown(self, user_id: str) -> bool:
        seen = self._strangers.get(user_id)
        return seen is not None and time.monotonic() - seen < UNKNOWN_TTL_SECONDS

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
