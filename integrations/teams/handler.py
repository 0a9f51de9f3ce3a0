"""The Teams activity handler: turns activities into inbound messages (integrations/inbound.py)
and replies into cards. It only translates."""
from __future__ import annotations

import hashlib
import html
import logging

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity

from bot.core import Bot
from bot.messages import Actor, Reply, ReplyKind
from integrations.inbound import Inbound, InboundPipeline, Mentioned
from integrations.teams import render
from integrations.teams.people import roster_linker
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


def inbound(activity: Activity) -> Inbound:
    """A message as the pipeline takes it: what was typed, the bot's own mention dropped and
    HTML entities undone; the people it mentions, whose `<at>Name</at>` a command reads as
    their email (the core's way to name someone)."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    others = []
    for user_id, name, written in mentions(activity):
        if user_id == bot_id:
            text = text.replace(written, " ") if written else text
        else:
            others.append(Mentioned(user_id, name, html.unescape(written)))
    sender = activity.from_property
    channel = None if is_personal(activity) else address_of(activity)
    return Inbound(Actor("teams", sender.id, sender.name or ""), html.unescape(text).strip(), channel,
                   tuple(others), thread_of(activity))


def thread_of(activity: Activity) -> tuple[str, str | None] | None:
    """(channel or group chat, thread root id) of a message outside a 1:1 chat."""
    if is_personal(activity) or activity.conversation is None:
        return None
    _, _, thread = activity.conversation.id.partition(";messageid=")
    return str(address_of(activity)), thread or None


class PocTeamsHandler(TeamsActivityHandler):
    """Holds the core; every turn keeps its conversation reference, then is translated."""

    def __init__(self, pipeline: InboundPipeline, references: References) -> None:
        self.pipeline, self.references = pipeline, references
        self.bot: Bot = pipeline.bot
        self.submits = Submits(pipeline)

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self.references.keep(turn_context)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.from_property is None or activity.from_property.role == "bot":
            return
        key = event_id(activity)
        if activity.value is not None:
            await self.pipeline.once("teams", key, lambda: self.submits.handle(turn_context, activity.value))
            return

        async def reply(answer: Reply) -> None:
            await send(turn_context, render.reply_card(answer))

        link = roster_linker(self.bot, turn_context)
        await self.pipeline.handle(inbound(activity), reply, link=link, event_id=key)

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
