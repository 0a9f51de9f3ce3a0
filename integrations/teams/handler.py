"""The Teams activity handler: turns activities into core requests and replies into cards. It only translates."""
from __future__ import annotations

import asyncio
import hashlib
import html
import logging

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity

from bot.core import COMMANDS, Bot
from bot.messages import Reply, ReplyKind, Request
from bot.parse import parse
from integrations.teams import render
from integrations.teams.people import TeamsPeople
from integrations.teams.references import References, address_of, is_personal
from integrations.teams.submits import Submits, send

_LOGGER = logging.getLogger(__name__)


def mentions(activity: Activity) -> list[tuple[str, str, str]]:
    """(user id, name, text as written) of each mention entity in a message."""
    found = []
    for entity in activity.entities or []:
        data = {**(getattr(entity, "additional_properties", None) or {}), "type": getattr(entity, "type", "")}
        mentioned = data.get("mentioned") or {}
        if str(data.get("type", "")).lower() == "mention" and mentioned.get("id"):
            found.append((str(mentioned["id"]), str(mentioned.get("name") or ""), str(data.get("text") or "")))
    return found


def event_id(activity: Activity) -> str | None:
    """A key for the message, so a redelivery of one already answered is dropped."""
    if not activity.id or activity.conversation is None:
        return None
    key = f"{activity.conversation.id}|{activity.id}"
    return key if len(key) <= 128 else hashlib.sha256(key.encode()).hexdigest()


def thread_of(activity: Activity) -> tuple[str, str | None] | None:
    """(channel or group chat, thread root id) of a message outside a 1:1 chat."""
    if is_personal(activity) or activity.conversation is None:
        return None
    _, _, thread = activity.conversation.id.partition(";messageid=")
    return str(address_of(activity)), thread or None


class PocTeamsHandler(TeamsActivityHandler):
    """Holds the core; every turn keeps its conversation reference, then is translated."""

    def __init__(self, bot: Bot, people: TeamsPeople, references: References) -> None:
        self.bot, self.people, self.references = bot, people, references
        self.submits = Submits(bot, people)

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self.references.keep(turn_context)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.from_property is None or activity.from_property.role == "bot":
            return
        key = event_id(activity)
        if key and not await asyncio.to_thread(self.bot.claim_event, "teams", key):
            return  # a redelivery of a message already answered, or being answered
        ok = False
        try:
            if activity.value is not None:
                await self.submits.handle(turn_context, activity.value)
            else:
                await self._answer(turn_context)
            ok = True
        finally:
            if key:
                await asyncio.to_thread(self.bot.finish_event, "teams", key, ok=ok)

    async def _answer(self, context: TurnContext) -> None:
        activity = context.activity
        sender = activity.from_property
        actor = await self.people.actor(context, sender.id, sender.name or "", sender.aad_object_id or "")
        place = thread_of(activity)
        if place is not None and await asyncio.to_thread(self.bot.inquiry_thread, "teams", *place):
            # In an inquiry's thread a responder's message is the answer, as a reply in
            # Slack's thread is; the asker hears of it there, so nothing more is said.
            await asyncio.to_thread(self.bot.inquiry_reply, actor, *place)
            return
        text = await self._text(context)
        channel = None if is_personal(activity) else address_of(activity)
        reply = await asyncio.to_thread(self.bot.handle, Request(text, actor, channel))
        await send(context, render.reply_card(reply))
        self.bot.record(actor, text, reply)

    async def _text(self, context: TurnContext) -> str:
        """What was typed: the bot's own mention dropped; in commands, people mentioned become
        their emails (the core's way to name someone), found through the roster when new."""
        activity = context.activity
        text = activity.text or ""
        bot_id = activity.recipient.id if activity.recipient else None
        others = []
        for user_id, name, written in mentions(activity):
            if user_id == bot_id:
                text = text.replace(written, " ") if written else text
            else:
                others.append((user_id, name, written))
        text = html.unescape(text).strip()
        if others and parse(text).name in COMMANDS:
            for user_id, name, written in others:
                person = await self.people.actor(context, user_id, name)
                if person.email and written:
                    text = text.replace(html.unescape(written), person.email)
        return text

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """Installed in a personal chat: say hello. The reference is already kept (on_turn);
        the SDK's own dispatch would read the roster of every member added, for nothing."""
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added = any(member.id == bot_id for member in activity.members_added or [])
        if added and is_personal(activity):
            await send(turn_context, render.reply_card(Reply(ReplyKind.help, self.bot.language)))

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self.references.forget(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Card buttons sent as invokes go where submits go; other invokes are acknowledged quietly."""
        value = turn_context.activity.value
        if isinstance(value, dict) and render.ACTION_KEY in value:
            await self.submits.handle(turn_context, value)
        return InvokeResponse(status=200)
