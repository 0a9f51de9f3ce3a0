"""Slack listeners: /poc, mentions, DMs, buttons and App Home. They only translate: a message
goes down the inbound pipeline (integrations/inbound.py), its reply comes back rendered."""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.core import Bot
from bot.i18n import languages, t
from bot.inquiry_actions import BUTTON_IDS, InquiryAction
from bot.messages import Actor, Reply, ReplyKind
from integrations.inbound import Inbound, InboundPipeline
from integrations.identities import Linker
from integrations.slack import render
from integrations.slack.addresses import mentioned
from integrations.tasks import Background

_LOGGER = logging.getLogger(__name__)
_LOOKUP = re.compile(r"^poc_lookup_\d+$")
_PICK = re.compile(r"^poc_pick_\d+$")
_INQUIRY = re.compile(f"^{re.escape(render.ACTION_PREFIX)}(?:{'|'.join(sorted(map(re.escape, BUTTON_IDS)))})$")
ASK_MODAL = "poc_ask_modal"
# Messages people write: plain, a thread reply also sent to the channel, one with a file.
# Edits, deletions, joins and bots' messages are not for us.
_PEOPLES_MESSAGES = frozenset({None, "thread_broadcast", "file_share"})
# A click that settles an inquiry, and the line its message then shows instead of buttons.
_SETTLED = {"inquiry_marked_answered": "inquiry_settled_answered", "inquiry_marked_resolved": "inquiry_settled_resolved"}
ACK_BUDGET_SECONDS = 2.0  # Slack waits 3 s for an acknowledgement


def unescape(text: str) -> str:
    """Slack sends &, < and > escaped in message text; the core wants what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class SlackListeners:
    def __init__(self, pipeline: InboundPipeline, link: Linker, background: Background) -> None:
        self.pipeline, self.link, self.background = pipeline, link, background
        self.bot: Bot = pipeline.bot

    def register(self, app: AsyncApp) -> None:
        app.command("/poc")(self.on_command)
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.event("app_home_opened")(self.on_home)
        app.action("poc_share")(self.on_share)
        app.action("poc_ask")(self.on_ask)
        app.view(ASK_MODAL)(self.on_ask_submit)
        app.action(_INQUIRY)(self.on_inquiry)
        app.action(_LOOKUP)(self.on_lookup)
        app.action(_PICK)(self.on_pick)

    async def on_command(self, ack: Any, command: dict, respond: Any) -> None:
        """Answer in the ack itself (the fastest path, shown only to the asker).

        If the store is slow, ack with a holding note before Slack's 3 s run out and
        send the answer through the response_url when it comes.
        """
        message = self._inbound(command["user_id"], command.get("text") or "", command.get("channel_id"),
                                name=command.get("user_name") or "")
        work = asyncio.ensure_future(self.pipeline.reply(message, self.link))
        try:
            reply = await asyncio.wait_for(asyncio.shield(work), ACK_BUDGET_SECONDS)
        except asyncio.TimeoutError:
            await ack(response_type="ephemeral", text=t(self.bot.language, "still_looking"))
            self.background.spawn(self._answer_late(work, respond, message), "slack-late")
            return
        await ack(response_type="ephemeral", text=render.text(reply), blocks=render.blocks(reply))
        self.background.spawn(self.pipeline.record_after(message.actor, message.text, reply, self.link),
                              "slack-record")

    def _inbound(self, user_id: str, text: str, channel: str | None, *, name: str = "",
                 thread: tuple[str, str | None] | None = None, bot_user: str | None = None) -> Inbound:
        """A Slack message as the pipeline takes it: Slack's escaping undone, the people it
        mentions (the bot itself aside) to link."""
        text = unescape(text)
        people = tuple(m for m in mentioned(text) if m.user_id != bot_user)
        return Inbound(Actor("slack", user_id, name), text, channel, people, thread)

    async def _answer_late(self, work: asyncio.Future, respond: Any, message: Inbound) -> None:
        reply = await work
        await respond(response_type="ephemeral", text=render.text(reply), blocks=render.blocks(reply))
        await self.pipeline.record_after(message.actor, message.text, reply, self.link)

    async def on_mention(self, body: dict, event: dict, client: Any) -> None:
        thread = event.get("thread_ts") or event.get("ts")
        self.background.spawn(self._answer_event(body, event, client, thread), "slack-mention")

    async def on_message(self, body: dict, event: dict, client: Any) -> None:
        """DMs are questions; a reply in an inquiry's thread (or group DM) may answer it.
        Edits, bots and other channel chatter are not for us."""
        if event.get("subtype") not in _PEOPLES_MESSAGES or event.get("bot_id") or not event.get("user"):
            return
        kind, thread = event.get("channel_type"), event.get("thread_ts")
        if thread or kind == "mpim":  # may answer an inquiry; a question only in a DM thread
            place = (event["channel"], thread)
            self.background.spawn(self._answer_event(body, event, client, thread, place=place, answer=kind == "im"),
                                  "slack-reply")
        elif kind == "im":
            self.background.spawn(self._answer_event(body, event, client, None), "slack-dm")

    async def on_home(self, body: dict, event: dict, client: Any) -> None:
        if event.get("tab", "home") == "home":
            self.background.spawn(self._publish_home(event["user"], client), "slack-home")

    async def on_share(self, ack: Any, body: dict, action: dict, respond: Any) -> None:
        await ack()
        reply = await asyncio.to_thread(self.bot.answer_topic, _topic_id(action), lang=_lang(action, self.bot.language))
        blocks = render.shared_blocks(reply, body["user"]["id"])
        await respond(response_type="in_channel", replace_original=False, text=render.text(reply), blocks=blocks)

    async def on_ask(self, ack: Any, body: dict, action: dict, client: Any, respond: Any) -> None:
        """The Ask button opens a small form for the question (answered on submit)."""
        await ack()
        lang = _lang(action, self.bot.language)
        reply = await asyncio.to_thread(self.bot.answer_topic, _topic_id(action), lang=lang)
        if reply.answer is None or reply.answer.primary is None:
            await respond(response_type="ephemeral", replace_original=False, text=render.text(reply))
            return
        channel = (body.get("channel") or {}).get("id") or ""
        meta = f"{reply.answer.topic_id}:{lang}:{channel}"
        await client.views_open(trigger_id=body["trigger_id"], view=render.ask_modal(reply.answer, lang, meta))

    async def on_ask_submit(self, ack: Any, body: dict, view: dict, client: Any) -> None:
        """Ask, then close the form; what went wrong is shown in the form itself. When the
        store is slow the form closes before Slack's 3 s run out (a resubmit would ask
        twice), and the outcome comes as a message."""
        topic_id, lang, channel = _modal_meta(view.get("private_metadata") or "", self.bot.language)
        question, user_id = render.modal_question(view), body["user"]["id"]
        work = asyncio.ensure_future(self._ask(user_id, topic_id, question, lang, channel))
        try:
            reply = await asyncio.wait_for(asyncio.shield(work), ACK_BUDGET_SECONDS)
        except asyncio.TimeoutError:
            await ack()
            self.background.spawn(self._confirm_late(work, client, user_id, channel), "slack-ask")
            return
        if reply.kind is not ReplyKind.done:
            await ack(response_action="errors", errors={render.MODAL_BLOCK: render.text(reply)[:150]})
            return
        await ack()
        await self._confirm(client, user_id, channel, reply)

    async def _ask(self, user_id: str, topic_id: int, question: str, lang: str, channel: str) -> Reply:
        actor = await self._actor(user_id)
        return await asyncio.to_thread(self.bot.ask_topic, actor, topic_id, question, lang=lang,
                                       channel=channel or None)

    async def _confirm_late(self, work: asyncio.Future, client: Any, user_id: str, channel: str) -> None:
        await self._confirm(client, user_id, channel, await work)

    async def _confirm(self, client: Any, user_id: str, channel: str, reply: Reply) -> None:
        """Shown only to the asker where they clicked; a DM when that channel won't take it."""
        text = render.text(reply)
        if channel:
            try:
                await client.chat_postEphemeral(channel=channel, user=user_id, text=text)
                return
            except SlackApiError as exc:
                _LOGGER.info("could not confirm an ask in %s (%s); sending a DM", channel, exc.response.get("error"))
        await client.chat_postMessage(channel=user_id, text=text)

    async def on_inquiry(self, ack: Any, body: dict, action: dict, respond: Any, client: Any) -> None:
        """Answered, I'm on it, Resolved, Still need help, Hand off: told only to who clicked;
        a message whose inquiry is settled loses its buttons, so nobody clicks them again."""
        await ack()
        inquiry_id, lang = _id_and_lang(action, self.bot.language)
        actor = await self._actor(body["user"]["id"])
        kind = InquiryAction.from_button(action["action_id"].removeprefix(render.ACTION_PREFIX))
        reply = await asyncio.to_thread(self.bot.inquiry_action, actor, inquiry_id, kind or "", lang=lang)
        await respond(response_type="ephemeral", replace_original=False, text=render.text(reply))
        if reply.kind is ReplyKind.done and reply.note in _SETTLED:
            await self._settle_message(body, client, t(lang, _SETTLED[reply.note], by=f"<@{actor.user_id}>"))

    async def _settle_message(self, body: dict, client: Any, note: str) -> None:
        message, container = body.get("message") or {}, body.get("container") or {}
        if not message.get("blocks") or not container.get("channel_id"):
            return  # an ephemeral message, or one Slack did not include
        blocks = [b for b in message["blocks"] if b.get("type") != "actions"]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
        try:
            await client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                                     text=message.get("text") or note, blocks=blocks)
        except SlackApiError as exc:
            _LOGGER.info("could not take the buttons off a settled inquiry: %s", exc.response.get("error"))

    async def on_lookup(self, ack: Any, action: dict, respond: Any) -> None:
        await ack()
        reply = await asyncio.to_thread(self.bot.answer_topic, _topic_id(action), lang=_lang(action, self.bot.language))
        await respond(replace_original=True, text=render.text(reply), blocks=render.blocks(reply))

    async def on_pick(self, ack: Any, action: dict, body: dict, respond: Any) -> None:
        """A close call's choice: answered in place; the question teaches the bot that topic."""
        await ack()
        question = (action.get("value") or "").split(":", 2)[2:] or [""]
        actor = await self._actor((body.get("user") or {}).get("id", ""))
        reply = await asyncio.to_thread(self.bot.pick, actor, _topic_id(action), question[0],
                                        lang=_lang(action, self.bot.language))
        await respond(replace_original=True, text=render.text(reply), blocks=render.blocks(reply))

    async def _answer_event(self, body: dict, event: dict, client: Any, thread: str | None, *,
                            place: tuple[str, str | None] | None = None, answer: bool = True) -> None:
        """A mention or a DM (or a reply where an inquiry may wait), answered in its thread."""
        if event.get("bot_id") or not event.get("user"):
            return
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        bot_user = ((body.get("authorizations") or [{}])[0] or {}).get("user_id")
        message = self._inbound(event["user"], event.get("text") or "", event.get("channel"),
                                thread=place, bot_user=bot_user)

        async def post(reply: Reply) -> None:
            await client.chat_postMessage(channel=event["channel"], thread_ts=thread, text=render.text(reply),
                                          blocks=render.blocks(reply, shareable=False))

        await self.pipeline.handle(message, post, link=self.link, event_id=event_id, answer=answer)

    async def _actor(self, user_id: str) -> Actor:
        return await self.pipeline.identify(Actor("slack", user_id), self.link)

    async def _publish_home(self, user_id: str, client: Any) -> None:
        actor = await self._actor(user_id)
        home = await asyncio.to_thread(self.bot.home, actor)
        await client.views_publish(user_id=user_id, view=render.home_view(home, self.bot.language))


def _topic_id(action: dict) -> int:
    """Buttons carry "<topic id>:<language>"; anything else (forged, stale) is topic 0."""
    return _id_and_lang(action, "")[0]


def _id_and_lang(action: dict, default: str) -> tuple[int, str]:
    try:
        number = int((action.get("value") or "0").split(":")[0])
    except ValueError:
        number = 0
    return number, _lang(action, default)


def _modal_meta(meta: str, default: str) -> tuple[int, str, str]:
    """The Ask form's "<topic id>:<language>:<channel>" (a forged one asks about topic 0)."""
    topic, _, rest = meta.partition(":")
    lang, _, channel = rest.partition(":")
    return (int(topic) if topic.isdigit() else 0), (lang if lang in languages() else default), channel


def _lang(action: dict, default: str) -> str:
    _, _, lang = (action.get("value") or "").partition(":")
    lang = lang.partition(":")[0]
    return lang if lang in languages() else default
