"""Slack listeners: /poc, mentions, DMs, buttons and App Home. They only translate."""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.core import Bot
from bot.i18n import t
from bot.messages import Actor, Reply, Request
from integrations.slack import render
from integrations.slack.users import SlackPeople
from integrations.tasks import Background

_LOGGER = logging.getLogger(__name__)
_LOOKUP = re.compile(r"^poc_lookup_\d+$")


class SlackListeners:
    def __init__(self, bot: Bot, people: SlackPeople, background: Background) -> None:
        self.bot, self.people, self.background = bot, people, background

    def register(self, app: AsyncApp) -> None:
        app.command("/poc")(self.on_command)
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.event("app_home_opened")(self.on_home)
        app.action("poc_share")(self.on_share)
        app.action("poc_ask")(self.on_ask)
        app.action(_LOOKUP)(self.on_lookup)

    async def on_command(self, ack: Any, command: dict) -> None:
        """Answer in the ack itself: the fastest path, shown only to the asker."""
        text = command.get("text") or ""
        actor = Actor("slack", command["user_id"], command.get("user_name") or "")
        reply = await asyncio.to_thread(self.bot.handle, Request(text, actor, command.get("channel_id")))
        await ack(response_type="ephemeral", text=render.text(reply), blocks=render.blocks(reply))
        self.background.spawn(self._after_lookup(actor.user_id, text, reply), "slack-record")

    async def on_mention(self, body: dict, event: dict, client: Any) -> None:
        thread = event.get("thread_ts") or event.get("ts")
        self.background.spawn(self._answer_event(body, event, client, thread), "slack-mention")

    async def on_message(self, body: dict, event: dict, client: Any) -> None:
        # Only direct messages from people; channel chatter, edits and bots are not for us.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        self.background.spawn(self._answer_event(body, event, client, event.get("thread_ts")), "slack-dm")

    async def on_home(self, body: dict, event: dict, client: Any) -> None:
        if event.get("tab", "home") == "home":
            self.background.spawn(self._publish_home(event["user"], client), "slack-home")

    async def on_share(self, ack: Any, body: dict, action: dict, respond: Any) -> None:
        await ack()
        reply = await asyncio.to_thread(self.bot.answer_topic, _topic_id(action))
        blocks = render.shared_blocks(reply, body["user"]["id"])
        await respond(response_type="in_channel", replace_original=False, text=render.text(reply), blocks=blocks)

    async def on_ask(self, ack: Any, action: dict, respond: Any) -> None:
        await ack()
        person = (action.get("text") or {}).get("text", "")
        await respond(response_type="ephemeral", replace_original=False, text=t(self.bot.language, "ask_coming", person=render.escape(person)))

    async def on_lookup(self, ack: Any, action: dict, respond: Any) -> None:
        await ack()
        reply = await asyncio.to_thread(self.bot.answer_topic, _topic_id(action))
        await respond(replace_original=True, text=render.text(reply), blocks=render.blocks(reply))

    async def _answer_event(self, body: dict, event: dict, client: Any, thread: str | None) -> None:
        if event.get("bot_id") or not event.get("user"):
            return
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        if not await asyncio.to_thread(self.bot.claim_event, "slack", event_id):
            return  # a retry of an event already answered, or being answered
        ok = False
        try:
            text = event.get("text") or ""
            reply = await asyncio.to_thread(self.bot.handle, Request(text, Actor("slack", event["user"]), event.get("channel")))
            await client.chat_postMessage(
                channel=event["channel"], thread_ts=thread, text=render.text(reply),
                blocks=render.blocks(reply, shareable=False),
            )
            ok = True
            await self._after_lookup(event["user"], text, reply)
        finally:
            await asyncio.to_thread(self.bot.finish_event, "slack", event_id, ok=ok)

    async def _after_lookup(self, user_id: str, text: str, reply: Reply) -> None:
        actor = await self.people.actor(user_id)
        await asyncio.to_thread(self.bot.record, actor, text, reply)

    async def _publish_home(self, user_id: str, client: Any) -> None:
        actor = await self.people.actor(user_id)
        home = await asyncio.to_thread(self.bot.home, actor)
        await client.views_publish(user_id=user_id, view=render.home_view(home, self.bot.language))


def _topic_id(action: dict) -> int:
    try:
        return int(action.get("value") or 0)
    except ValueError:
        return 0
