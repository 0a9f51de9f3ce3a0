"""The seams between the core and the platforms: which platform owns a channel address, how a
mention names a person, and the group address asker and POC share. The core knows no format."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot import platforms
from bot.addresses import GroupAddress
from bot.core import Bot
from bot.messages import Actor, ReplyKind, Request
from bot.platforms import Platform, channel_platform, chat_platforms
from store.db import read_session, write_session
from store.models import OutboxMessage, Person, Topic
from tests.harness import NOW, Clock, load_demo


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registered platforms as the bootstrap left them, restored after the test."""
    monkeypatch.setattr(platforms, "_REGISTERED", dict(platforms._REGISTERED))


@pytest.fixture
def bot(engine: Engine) -> Bot:
    return Bot(load_demo(engine), clock=Clock(NOW))


def alice(bot: Bot, text: str):
    return bot.handle(Request(text, Actor("console", "alice@acme.test", email="alice@acme.test")))


def payments_poc(bot: Bot) -> str:
    answer = bot.lookup("payments").answer
    return answer.primary.email


def outbox(engine: Engine) -> list[tuple[str, str, str]]:
    with read_session(engine) as session:
        return sorted((m.platform, m.address, m.kind) for m in session.execute(select(OutboxMessage)).scalars())


# --- mentions ---------------------------------------------------------------------------------

def test_a_teams_mention_names_the_person_by_their_teams_id_not_by_the_name_shown(bot: Bot) -> None:
    with write_session(bot.engine) as session:  # "Carol" alone would be carol@acme.test (her handle)
        session.add(Person(email="cjones@acme.test", name="Carol Jones", teams_id="29:1cjones"))

    reply = alice(bot, 'assign payments <at id="29:1cjones">Carol</at> because she knows Stripe')

    assert reply.kind is ReplyKind.done, reply
    assert payments_poc(bot) == "cjones@acme.test"


def test_a_teams_mention_whose_id_is_not_linked_falls_back_to_the_name_shown(bot: Bot) -> None:
    reply = alice(bot, 'assign payments <at id="29:1nobody">Carol Smith</at>')

    assert reply.kind is ReplyKind.done, reply
    assert payments_poc(bot) == "carol@acme.test"


def test_a_slack_mention_names_the_person_by_their_slack_id(bot: Bot) -> None:
    assert alice(bot, "assign payments <@U0CAROL>").kind is ReplyKind.done
    assert payments_poc(bot) == "carol@acme.test"


def test_a_slack_mention_of_someone_not_linked_says_so(bot: Bot) -> None:
    reply = alice(bot, "assign payments <@U0STRANGER>")

    assert (reply.kind, reply.note) == (ReplyKind.invalid, "person_not_linked")
    assert payments_poc(bot) == "bob@acme.test"


# --- channel addresses ------------------------------------------------------------------------

def test_the_registered_platforms_recognise_their_own_channel_addresses() -> None:
    assert channel_platform("19:abc@thread.tacv2") == "teams"
    assert channel_platform("C0PAYMENTS") == "slack"
    assert channel_platform("payments") == "slack"  # a channel named plainly is Slack's
    assert set(chat_platforms()) == {"slack", "teams"}


def test_a_third_platform_registered_owns_its_channels_with_no_change_to_the_core(bot: Bot, registry: None) -> None:
    with write_session(bot.engine) as session:
        session.execute(update(Topic).where(Topic.name == "Payments").values(channel="!payments:acme.test"))
    assert channel_platform("!payments:acme.test") == "slack"  # unknown: the plainly named channels' platform

    platforms.register(Platform("matrix", lambda address: address.startswith("!")))
    alice(bot, "assign payments @carol")

    assert ("matrix", "!payments:acme.test", "announcement") in outbox(bot.engine)
    assert "matrix" in chat_platforms()
    assert channel_platform("19:abc@thread.tacv2") == "teams"


def test_with_no_platform_registered_a_channel_is_nobodys_and_asks_open_no_group(registry: None) -> None:
    platforms._REGISTERED.clear()

    assert channel_platform("C0PAYMENTS") == platforms.UNCLAIMED
    assert chat_platforms() == ()
    assert not platforms.opens_groups("slack")


# --- group addresses --------------------------------------------------------------------------

def test_a_group_address_round_trips_through_its_stored_text() -> None:
    group = GroupAddress(("U0GRACE", "U0CAROL"))

    assert GroupAddress.decode(group.encode()) == group


def test_a_stored_group_address_still_reads_and_a_single_address_is_no_group() -> None:
    assert GroupAddress.decode("U0GRACE,U0CAROL") == GroupAddress(("U0GRACE", "U0CAROL"))  # rows already queued
    assert GroupAddress.decode("U0CAROL") is None
    assert GroupAddress.decode("C0PAYMENTS") is None
