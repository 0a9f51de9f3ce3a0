"""Card buttons (Action.Submit data) routed to the same core actions as Slack's buttons."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.core import Bot
from bot.i18n import languages
from bot.inquiry_actions import InquiryAction
from bot.messages import Actor, PersonView, Reply, ReplyKind
from integrations.teams import render
from integrations.inbound import InboundPipeline
from integrations.teams.people import roster_linker
from integrations.teams.references import address_of, is_personal

_LOGGER = logging.getLogger(__name__)


def parse_value(data: Any, default_lang: str) -> tuple[str, int | None, str]:
    """(action id, item id, language) from {"pocbot": id, "value": "<id>:<lang>"}; a missing
    or forged part gives item None, and an unknown language the default."""
    if not isinstance(data, dict):
        return "", None, default_lang
    action = str(data.get(render.ACTION_KEY) or "")
    item, _, lang = str(data.get("value") or "").partition(":")
    lang = lang if lang in languages() else default_lang
    try:
        number = int(item)
    except ValueError:
        return action, None, lang
    return action, (number if 0 < number < 2**63 else None), lang


class Submits:
    """Routes a pressed button to the core, as the person who pressed it."""

    def __init__(self, pipeline: InboundPipeline) -> None:
        self.pipeline = pipeline
        self.bot: Bot = pipeline.bot

    async def handle(self, context: TurnContext, data: Any) -> None:
        action, item, lang = parse_value(data, self.bot.language)
        if item is None:
            await self._send(context, stale(lang))
        elif action == "lookup":
            await self._send(context, await self._answer(item, lang))
        elif action == "pick":
            actor = await self._actor(context)
            query = str(data.get(render.QUERY_KEY) or "")
            reply = await asyncio.to_thread(self.bot.pick, actor, item, query, lang=lang)
            await self._send(context, stale(lang) if reply.kind is ReplyKind.unknown else reply)
        elif action == "share":
            await self._share(context, item, lang)
        elif action == "ask":
            await self._ask(context, item, str(data.get(render.QUESTION_INPUT) or "").strip(), lang)
        elif (inquiry_action := InquiryAction.from_button(action)) is not None:
            await self._inquiry(context, item, inquiry_action, lang)
        else:
            await self._send(context, stale(lang))

    async def _answer(self, topic_id: int, lang: str) -> Reply:
        reply = await asyncio.to_thread(self.bot.answer_topic, topic_id, lang=lang)
        return stale(lang) if reply.kind is ReplyKind.unknown else reply  # a removed or forged topic

    async def _share(self, context: TurnContext, topic_id: int, lang: str) -> None:
        reply = await self._answer(topic_id, lang)
        if reply.kind is not ReplyKind.answer:
            await self._send(context, reply)
            return
        sender = context.activity.from_property
        by = PersonView(0, sender.name or "", "", teams_id=sender.id)
        await send(context, render.reply_card(reply, shared_by=by))

    async def _ask(self, context: TurnContext, topic_id: int, question: str, lang: str) -> None:
        actor = await self._actor(context)
        channel = None if is_personal(context.activity) else address_of(context.activity)
        reply = await asyncio.to_thread(self.bot.ask_topic, actor, topic_id, question, lang=lang, channel=channel)
        await self._send(context, reply)

    async def _inquiry(self, context: TurnContext, inquiry_id: int, action: InquiryAction, lang: str) -> None:
        actor = await self._actor(context)
        reply = await asyncio.to_thread(self.bot.inquiry_action, actor, inquiry_id, action.value, lang=lang)
        await self._send(context, reply)

    async def _actor(self, context: TurnContext) -> Actor:
        sender = context.activity.from_property
        return await self.pipeline.identify(Actor("teams", sender.id, sender.name or ""), roster_linker(self.bot, context))

    async def _send(self, context: TurnContext, reply: Reply) -> None:
        await send(context, render.reply_card(reply))


def stale(lang: str) -> Reply:
    """What a button that no longer means anything gets: how to ask instead."""
    return Reply(ReplyKind.usage, lang, note="empty")


async def send(context: TurnContext, card: dict[str, Any]) -> None:
    """Post a card in the turn's conversation (in its thread, in a channel)."""
    attachment = Attachment(content_type=card["contentType"], content=card["content"])
    await context.send_activity(Activity(type=ActivityTypes.message, attachments=[attachment]))
