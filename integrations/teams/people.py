"""Teams users to directory people: by stored teams_id, else through the roster on first sight."""
from __future__ import annotations

import asyncio
import logging
import time

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.core import Bot
from bot.messages import Actor

_LOGGER = logging.getLogger(__name__)
UNKNOWN_TTL_SECONDS = 3600.0
KNOWN_TTL_SECONDS = 300.0  # a re-linked person shows up within five minutes
MAX_REMEMBERED = 10_000


class TeamsPeople:
    """Finds who a Teams user is, asking the roster at most once an hour for strangers."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._known: dict[str, tuple[Actor, float]] = {}
        self._strangers: dict[str, float] = {}

    async def actor(self, context: TurnContext, user_id: str, name: str = "", aad_object_id: str = "") -> Actor:
        known = self._known.get(user_id)
        if known is not None and time.monotonic() - known[1] < KNOWN_TTL_SECONDS:
            return known[0]
        actor = await asyncio.to_thread(self.bot.identify, Actor("teams", user_id, name))
        has_roster = context.activity.channel_id == "msteams"  # the Emulator, say, has none
        if actor.person_id is None and has_roster and not self._recently_unknown(user_id):
            actor = await self._link(context, actor, aad_object_id)
        self._remember(user_id, actor)
        return actor

    async def _link(self, context: TurnContext, actor: Actor, aad_object_id: str) -> Actor:
        """Email, then user principal name, then an AAD object id the import gave as teams_id."""
        member = await self._member(context, actor.user_id)
        emails = [getattr(member, "email", None), getattr(member, "user_principal_name", None)]
        for email in dict.fromkeys(e for e in emails if e and "@" in e):
            linked = await asyncio.to_thread(self.bot.link, actor, email)
            if linked.person_id is not None:
                return linked
        for object_id in dict.fromkeys(i for i in (aad_object_id, getattr(member, "aad_object_id", None)) if i):
            by_aad = await asyncio.to_thread(self.bot.identify, Actor("teams", object_id))
            if by_aad.person_id is not None and by_aad.email:
                return await asyncio.to_thread(self.bot.link, actor, by_aad.email)
        return actor

    async def _member(self, context: TurnContext, user_id: str) -> object | None:
        try:
            return await TeamsInfo.get_member(context, user_id)
        except Exception as exc:  # a roster failure must not stop the answer
            _LOGGER.warning("could not read the Teams roster entry of %s: %s", user_id, exc)
            return None

    def _remember(self, user_id: str, actor: Actor) -> None:
        now = time.monotonic()
        if actor.person_id is None:
            if len(self._strangers) >= MAX_REMEMBERED:
                self._strangers = {u: s for u, s in self._strangers.items() if now - s < UNKNOWN_TTL_SECONDS}
            if not self._recently_unknown(user_id):
                self._strangers[user_id] = now
            return
        if len(self._known) >= MAX_REMEMBERED:
            self._known.clear()  # a rare, cheap reset beats bookkeeping an LRU
        self._known[user_id] = (actor, now)

    def _recently_unknown(self, user_id: str) -> bool:
        seen = self._strangers.get(user_id)
        return seen is not None and time.monotonic() - seen < UNKNOWN_TTL_SECONDS
