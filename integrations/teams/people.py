"""Teams users seen for the first time: linked to directory people through the roster."""
from __future__ import annotations

import asyncio
import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.core import Bot
from bot.messages import Actor
from integrations.identities import Linker, on_loop

_LOGGER = logging.getLogger(__name__)


def roster_linker(bot: Bot, context: TurnContext) -> Linker | None:
    """The Teams way to link a stranger (integrations.identities.Linker), for this turn;
    None where there is no roster (the Emulator, say)."""
    if context.activity.channel_id != "msteams":
        return None
    sender = context.activity.from_property
    sender_id, sender_aad = (sender.id, sender.aad_object_id or "") if sender is not None else ("", "")

    def link(actor: Actor, loop: asyncio.AbstractEventLoop) -> Actor:
        member = on_loop(_member(context, actor.user_id), loop)
        return _link(bot, actor, member, sender_aad if actor.user_id == sender_id else "")

    return link


def _link(bot: Bot, actor: Actor, member: object | None, aad_object_id: str) -> Actor:
    """Email, then user principal name, then an AAD object id the import gave as teams_id."""
    emails = [getattr(member, "email", None), getattr(member, "user_principal_name", None)]
    for email in dict.fromkeys(e for e in emails if e and "@" in e):
        linked = bot.link(actor, email)
        if linked.person_id is not None:
            return linked
    for object_id in dict.fromkeys(i for i in (aad_object_id, getattr(member, "aad_object_id", None)) if i):
        by_aad = bot.identify(Actor("teams", object_id))
        if by_aad.person_id is not None and by_aad.email:
            return bot.link(actor, by_aad.email)
    return actor


async def _member(context: TurnContext, user_id: str) -> object | None:
    try:
        return await TeamsInfo.get_member(context, user_id)
    except Exception as exc:  # a roster failure must not stop the answer
        _LOGGER.warning("could not read the Teams roster entry of %s: %s", user_id, exc)
        return None
