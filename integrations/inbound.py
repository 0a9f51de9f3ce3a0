"""The one road from a chat message to the core, for every chat adapter.

    chat event -> adapter (translates the payload into an `Inbound`)
               -> InboundPipeline: claim the event once, hand the core the raw text and
                  who/where, with a way to learn who is who (one identity cache)
               -> core (parses once; a command learns who is who, a lookup never waits)
               -> adapter (renders the reply and posts it) -> the question is recorded

Adapters only translate: what a platform's payload and mention syntax look like lives in
its own package; what happens to a message lives here.
"""
from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.core import Bot
from bot.messages import Actor, Mention, Reply, ReplyKind, Request
from integrations.identities import Identities, Linker

_LOGGER = logging.getLogger(__name__)
Send = Callable[[Reply], Awaitable[None]]
_PIPELINES: weakref.WeakKeyDictionary[Bot, InboundPipeline] = weakref.WeakKeyDictionary()


def pipeline_for(bot: Bot) -> InboundPipeline:
    """The one pipeline (and so the one identity cache) of a core: Slack and Teams served by
    one process share it."""
    if bot not in _PIPELINES:
        _PIPELINES[bot] = InboundPipeline(bot)
    return _PIPELINES[bot]


@dataclass(frozen=True)
class Mentioned:
    """A person mentioned in a message, as the platform names them; `written` is the
    mention as it stands in the text when a command should read the person's email
    there instead (Teams), empty when the core reads the mention itself (Slack)."""

    user_id: str
    name: str = ""
    written: str = ""


@dataclass(frozen=True)
class Inbound:
    """A chat message as its adapter read it: the raw text, who sent it and where."""

    actor: Actor  # as the platform names them; the pipeline finds the directory person
    text: str  # what was typed, the platform's escaping undone
    channel: str | None = None  # the channel a command acts on; None in a DM
    mentioned: tuple[Mentioned, ...] = ()
    thread: tuple[str, str | None] | None = None  # (conversation, thread) where an inquiry may wait


class InboundPipeline:
    """Claims, identifies, asks the core, records: the same steps for every platform."""

    def __init__(self, bot: Bot, identities: Identities | None = None) -> None:
        self.bot = bot
        self.identities = identities or Identities(bot)

    async def identify(self, actor: Actor, link: Linker | None = None) -> Actor:
        return await self.identities.actor(actor, link)

    async def reply(self, message: Inbound, link: Linker | None = None) -> Reply:
        """The core's reply. A lookup is answered at once; a command first learns who is who
        (the sender, the people mentioned), linking them on first sight."""
        loop = asyncio.get_running_loop()
        sender = self.identities.known(message.actor) or message.actor

        def learn(request: Request) -> Request:  # in the core's worker thread
            actor = self.identities.find(request.actor, link, loop)
            return replace(request, actor=actor, mentions=self._mentions(message, link, loop))

        request = Request(message.text, sender, message.channel, learn=learn)
        return await asyncio.to_thread(self.bot.handle, request)

    async def handle(self, message: Inbound, send: Send, *, link: Linker | None = None,
                     event_id: str | None = None, answer: bool = True) -> None:
        """A message in a conversation: in an inquiry's thread it may be the answer;
        otherwise (when `answer`) the core's reply is sent and the question recorded.
        With an `event_id`, a redelivered message is handled once."""
        if message.thread is not None and await self._in_inquiry_thread(message):
            await self.once(message.actor.platform, event_id, lambda: self._inquiry_reply(message, link))
        elif answer:
            await self.once(message.actor.platform, event_id, lambda: self._answer(message, send, link))

    async def once(self, platform: str, event_id: str | None, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` unless another try of this event ran or is running. A failed try is
        released at once, so the platform's retry is handled; a finished one is marked done
        with the question log (batched), so the claim is the request's only write."""
        claimed = await self._claim(platform, event_id) if event_id else None
        if claimed is False:
            return  # a retry of an event already handled, or being handled
        ok = False
        try:
            await work()
            ok = True
        finally:
            if claimed:
                await asyncio.to_thread(self.bot.finish_event, platform, str(event_id), ok=ok)

    async def record_after(self, actor: Actor, text: str, reply: Reply, link: Linker | None = None) -> None:
        """Note a lookup for the history and the gaps report (the question log writes it),
        once the reply is out: a lookup's asker is identified (and linked on first sight)
        here, off the answer's path."""
        if reply.kind is ReplyKind.error:
            return  # nothing was looked up (and the store may be down)
        self.bot.record(await self.identify(actor, link), text, reply)

    async def _answer(self, message: Inbound, send: Send, link: Linker | None) -> None:
        reply = await self.reply(message, link)
        await send(reply)
        try:  # the answer is out: failing to note it must not release the event for a second answer
            await self.record_after(message.actor, message.text, reply, link)
        except Exception:
            _LOGGER.warning("could not record a %s lookup by %s", message.actor.platform, message.actor.user_id,
                            exc_info=True)

    async def _in_inquiry_thread(self, message: Inbound) -> bool:
        assert message.thread is not None
        return await asyncio.to_thread(self.bot.inquiry_thread, message.actor.platform, *message.thread)

    async def _inquiry_reply(self, message: Inbound, link: Linker | None) -> None:
        """In an inquiry's thread a responder's message is the answer; the asker hears of it
        there, so nothing more is said."""
        assert message.thread is not None
        actor = await self.identify(message.actor, link)
        await asyncio.to_thread(self.bot.inquiry_reply, actor, *message.thread)

    def _mentions(self, message: Inbound, link: Linker | None, loop: asyncio.AbstractEventLoop
                  ) -> tuple[Mention, ...]:
        """Links each person mentioned on first sight; those a command should read by email."""
        found = []
        for mentioned in dict.fromkeys(message.mentioned):
            actor = Actor(message.actor.platform, mentioned.user_id, mentioned.name)
            person = self.identities.find(actor, link, loop)
            if mentioned.written and person.email:
                found.append(Mention(mentioned.written, person.email))
        return tuple(found)

    async def _claim(self, platform: str, event_id: str) -> bool | None:
        """Whether to handle the event; None when the store cannot say (it is down): then it
        is handled anyway, since a possible second apology beats none at all."""
        try:
            return await asyncio.to_thread(self.bot.claim_event, platform, event_id)
        except Exception:
            _LOGGER.warning("could not claim %s event %s; handling it unclaimed", platform, event_id, exc_info=True)
            return None
