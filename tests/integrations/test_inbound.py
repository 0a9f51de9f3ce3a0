"""The inbound pipeline (integrations/inbound.py): the core parses each message once, a lookup
never waits for linking, a stranger is linked at most once an hour, an event is handled once."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

import bot.core
from bot.core import Bot
from bot.messages import Actor, ReplyKind
from integrations.inbound import Inbound, InboundPipeline, Mentioned
from store.db import write_session
from store.models import Person
from tests.harness import load_demo

STRANGER = Actor("slack", "U0NEW", "new")


class Linker:
    """Links every stranger to `email` on first sight, and counts who it was asked about."""

    def __init__(self, bot: Bot, email: str | None) -> None:
        self.bot, self.email, self.asked = bot, email, []

    def __call__(self, actor: Actor, loop: asyncio.AbstractEventLoop) -> Actor:
        self.asked.append(actor.user_id)
        return self.bot.link(actor, self.email) if self.email else actor


@pytest.fixture
def core(sqlite_engine: Engine) -> Bot:
    return Bot(load_demo(sqlite_engine), semantic=False)


def test_a_lookup_never_waits_for_linking_and_a_command_links_first(core: Bot) -> None:
    pipeline, link = InboundPipeline(core), Linker(core, "alice@acme.test")

    looked_up = asyncio.run(pipeline.reply(Inbound(STRANGER, "payroll"), link))
    assert looked_up.kind is ReplyKind.answer and link.asked == []

    mine = asyncio.run(pipeline.reply(Inbound(STRANGER, "mine"), link))
    assert link.asked == ["U0NEW"]
    assert mine.kind is not ReplyKind.invalid and mine.note != "not_in_directory"
    assert asyncio.run(pipeline.identify(STRANGER)).email == "alice@acme.test"  # remembered


def test_the_core_parses_each_message_once(core: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = bot.core.parse
    monkeypatch.setattr(bot.core, "parse", lambda text: parsed.append(text) or real(text))
    pipeline = InboundPipeline(core)

    for text in ("payroll", "mine", "assign Payroll <@U0GRACE>"):
        asyncio.run(pipeline.reply(Inbound(Actor("slack", "U0CAROL"), text, mentioned=(Mentioned("U0GRACE"),))))

    assert parsed == ["payroll", "mine", "assign Payroll <@U0GRACE>"]


def test_a_stranger_is_looked_up_on_their_platform_at_most_once_an_hour(core: Bot) -> None:
    pipeline, link = InboundPipeline(core), Linker(core, None)

    for _ in range(3):
        reply = asyncio.run(pipeline.reply(Inbound(STRANGER, "away until 2031-01-01"), link))
        assert reply.note == "not_in_directory"

    assert link.asked == ["U0NEW"]


def test_a_mentioned_person_is_read_by_email_where_the_platform_says_so(
    core: Bot, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Teams: `<at>Name</at>` is no syntax a command reads; the pipeline hands the core the
    person's email for it (linked on first sight)."""
    arguments: list[str] = []
    real = bot.core._by_email
    monkeypatch.setattr(bot.core, "_by_email", lambda *a: arguments.append(real(*a).argument) or real(*a))
    pipeline, link = InboundPipeline(core), Linker(core, "alice@acme.test")
    mention = Mentioned("29:1alice", "Alice Moreno", "<at>Alice Moreno</at>")

    message = Inbound(Actor("teams", "29:1bob", "Bob Chen"), "history <at>Alice Moreno</at>", mentioned=(mention,))
    asyncio.run(pipeline.reply(message, link))

    assert link.asked == ["29:1alice"]
    assert arguments == ["alice@acme.test"]


def test_an_event_is_handled_once_and_a_failed_try_is_handed_back_at_once(core: Bot) -> None:
    pipeline, runs = InboundPipeline(core), []

    async def work() -> None:
        runs.append(1)

    async def failing() -> None:
        raise RuntimeError("the post failed")

    asyncio.run(pipeline.once("slack", "Ev1", work))
    asyncio.run(pipeline.once("slack", "Ev1", work))  # a retry while the first is done
    assert runs == [1]

    with pytest.raises(RuntimeError):
        asyncio.run(pipeline.once("slack", "Ev2", failing))
    asyncio.run(pipeline.once("slack", "Ev2", work))  # the retry is handled
    assert runs == [1, 1]


def test_an_answer_sent_is_not_answered_again_when_noting_it_fails(core: Bot) -> None:
    """Once the reply is out the event is done: a failure to identify the asker for the question
    log (the platform or the store, after the answer) must not hand it back for Slack's retry."""
    pipeline, sent = InboundPipeline(core), []

    def broken(actor: Actor, loop: asyncio.AbstractEventLoop) -> Actor:
        raise TimeoutError("users.info took too long")

    async def send(reply) -> None:  # type: ignore[no-untyped-def]
        sent.append(reply)

    for _ in range(2):  # the second is Slack's retry of the same event
        asyncio.run(pipeline.handle(Inbound(STRANGER, "payroll"), send, link=broken, event_id="Ev9"))

    assert len(sent) == 1


def test_a_known_person_is_read_from_the_store_again_after_the_ttl_however_often_they_write(
    core: Bot, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Re-linked (a Slack user id now someone else's), they act as the new person within
    KNOWN_TTL, even if they never stop writing."""
    from integrations import identities

    clock = [1000.0]
    monkeypatch.setattr(identities.time, "monotonic", lambda: clock[0])
    pipeline = InboundPipeline(core)
    quinn = Actor("slack", "U0QUINN", "quinn")
    core.link(quinn, "quinn@acme.test")
    loop = asyncio.new_event_loop()
    try:
        assert pipeline.identities.find(quinn, None, loop).email == "quinn@acme.test"
        with write_session(sqlite_engine) as session:  # an admin moves the id to another person
            session.execute(update(Person).where(Person.email == "quinn@acme.test").values(slack_id=None))
        core.link(quinn, "alice@acme.test")
        for _ in range(3):
            clock[0] += identities.KNOWN_TTL_SECONDS / 2 - 1  # asked twice per TTL
            found = pipeline.identities.find(quinn, None, loop)
    finally:
        loop.close()

    assert found.email == "alice@acme.test"
