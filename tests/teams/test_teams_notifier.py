"""Outbox rows reach Teams as Adaptive Cards through stored references, once, through 429s and 5xx."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.jobs import DispatchResult, run_dispatch
from bot.delivery import Delivered, DeliveryError
from integrations.teams.config import TeamsConfig
from integrations.teams.notifier import BASE_DELAY, MAX_ATTEMPTS, MAX_DELAY, TeamsNotifier
from store import teams_references
from store.db import read_session, write_session
from store.models import Inquiry, OutboxMessage, Person, TeamsReference, Topic
from tests.fakes import teams_activities as ta
from tests.fakes.teams_connector import CREATE, SEND, Failure, FakeConnector
from tests.store.test_outbox import row

NOW = datetime(2030, 3, 1, 9, 0, tzinfo=timezone.utc)
OPEN = TeamsConfig("", "", "", "MultiTenant")
BOB = {"id": 2, "name": "Bob Chen", "email": "bob@acme.test", "slack_id": None, "teams_id": "29:1bob"}
ALICE = {"id": 1, "name": "Alice *Moreno*", "email": "alice@acme.test", "slack_id": "U0ALICE", "teams_id": None}
BOB_CHAT = "a:1chat-29:1bob"


class Waits:
    """The notifier's sleep: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def notifier(sqlite_engine: Engine, waits: Waits) -> TeamsNotifier:
    return TeamsNotifier(sqlite_engine, OPEN, sleep=waits, jitter=lambda: 0.5)


def keep(engine: Engine, address: str, conversation: str, service_url: str, kind: str = "personal",
         app_id: str = "") -> None:
    """A reference as the adapter stores it from an accepted activity."""
    reference = {"channelId": "msteams", "serviceUrl": service_url, "bot": dict(ta.BOT),
                 "conversation": {"id": conversation, "conversationType": kind, "tenantId": ta.TENANT}}
    with write_session(engine) as session:
        teams_references.save(session=session, address=address, conversation_id=conversation,
                              service_url=service_url, tenant_id=ta.TENANT, app_id=app_id,
                              reference=reference, now=NOW)


def notice(engine: Engine, address: str, kind: str = "announcement", **extra: object) -> int:
    """A row as bot.announce writes it for a POC change on Payments."""
    payload = {"lang": "en", "topic": "Payments <at>all</at> *x*", "topic_id": 1, "change": "primary",
               "person": BOB, "previous": ALICE, "actor": "import", "reason": "", "effective_at": NOW.isoformat(),
               **extra}
    with write_session(engine) as session:
        message = OutboxMessage(dedupe_key=f"test:{kind}:{address}:{extra}", platform="teams", address=address,
                                kind=kind, payload=payload, next_attempt_at=NOW, created_at=NOW)
        session.add(message)
        session.flush()
        return message.id or 0


def waiting_for_bob(engine: Engine) -> int:
    """An open question to Bob on Payments; returns its inquiry id."""
    with write_session(engine) as session:
        session.add(Person(id=BOB["id"], name=BOB["name"], email=BOB["email"], teams_id=BOB["teams_id"]))
        topic = Topic(name="Payments", key="payments")
        session.add(topic)
        session.flush()
        inquiry = Inquiry(topic_id=topic.id, asker_platform="teams", asker_user_id="29:1ann", question="When?",
                          assignee_person_id=BOB["id"], created_at=NOW)
        session.add(inquiry)
        session.flush()
        return inquiry.id or 0


def dispatch(engine: Engine, notifier: TeamsNotifier, now: datetime = NOW) -> DispatchResult:
    return run_dispatch(engine=engine, notifiers={"teams": notifier}, now=now, worker="w1")


def stored(engine: Engine) -> dict[str, TeamsReference]:
    with read_session(engine) as session:
        return {r.address: r for r in session.execute(select(TeamsReference)).scalars()}


def test_an_announcement_is_posted_to_a_teams_channel_as_a_card_with_real_mentions(
    sqlite_engine: Engine, notifier: TeamsNotifier, connector: FakeConnector,
) -> None:
    keep(sqlite_engine, ta.CHANNEL, ta.CHANNEL, connector.url, kind="channel")
    message = notice(sqlite_engine, ta.CHANNEL)

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=1, sent=1)

    [call] = connector.posted()
    assert (call.kind, call.conversation) == (SEND, ta.CHANNEL)
    assert call.text == ("**Payments \\<at\\>all\\</at\\> \\*x\\*** has a new POC: <at>Bob Chen</at> "
                         "(was Alice \\*Moreno\\*), set by import.")
    assert call.card["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Bob Chen</at>", "mentioned": {"id": "29:1bob", "name": "Bob Chen"}}]
    assert row(sqlite_engine, message).status == "sent"


def test_a_channel_post_reports_its_id_as_the_thread(
    sqlite_engine: Engine, notifier: TeamsNotifier, connector: FakeConnector,
) -> None:
    keep(sqlite_engine, ta.CHANNEL, ta.CHANNEL, connector.url, kind="channel")
    notice(sqlite_engine, ta.CHANNEL)
    with read_session(sqlite_engine) as session:
        message = session.execute(select(OutboxMessage)).scalar_one()

    landed = notifier.deliver(message)

    assert landed == Delivered(ta.CHANNEL, connector.posted()[0].answer["id"])


def test_a_dm_goes_into_the_users_stored_chat(
    sqlite_engine: Engine, notifier: TeamsNotifier, connector: FakeConnector,
) -> None:
    keep(sqlite_engine, "29:1bob", BOB_CHAT, connector.url)
    notice(sqlite_engine, "29:1bob", "dm_primary_new")

    assert dispatch(sqlite_engine, notifier).sent == 1

    [call] = connector.posted()
    assert call.conversation == BOB_CHAT
    assert call.text.startswith("You are now the POC for **Payments")
    assert connector.calls(CREATE) == []


def test_a_user_with_no_chat_gets_one_created_and_kept(
    sqlite_engine: Engine, notifier: TeamsNotifier, connector: FakeConnector,
) -> None:
    keep(sqlite_engine, ta.CHANNEL, ta.CHANNEL, connector.url, kind="channel")  # where the service URL comes from
    notice(sqlite_engine, "29:1new", "dm_primary_new")

    assert dispatch(sqlite_engine, notifier).sent == 1

    [created] = connector.calls(CREATE)
    assert created.body["members"] == [{"id": "29:1new"}] and created.body["bot"]["id"] == ta.BOT["id"]
    [call] = connector.posted()
    assert call.conversation == created.answer["id"]
    assert stored(sqlite_engine)["29:1new"].conversation_id == created.answer["id"]


def test_a_429_with_retry_after_goes_back_to_the_dispatcher_and_the_next_run_sends(
    sqlite_engine: Engine, notifier: TeamsNotifier, connector: FakeConnector, waits: Waits,
) -> None:
    keep(sqlite_engine, "29:1bob", BOB_CHAT, connector.url)
    message = notice(sqlite_engine, "29:1bob", "dm_primary_new")
    connector.fail(SEND, Failure(429, "TooManyRequests", retry_after=7))

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=1, retrying=1)
    assert row(sqlite_engine, message).next_attempt_at == NOW + timedelta(seconds=7)
    assert waits.seconds == []  # nobody sleeps on a 429 that says when to come back

    assert dispatch(sqlite_engine, notifier, NOW + timedelta(seconds=7)).sent == 1
    assert len(connector.posted()) == 1


def test_a_429_then_success_is_retried_in_place_after_a_jittered_wait(
    sqlite_engine: Engine, notifier: TeamsNotifier, connector: FakeConnector, waits: Waits,
) -> None:
    keep(sqlite_engine, "29:1bob", BOB_CHAT, connector.url)
    notice(sqlite_engine, "29:1bob", "dm_primary_new")
    connector.fail(SEND, Failure(429, "TooManyRequests"))

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=1, sent=1)

    assert [c.status for c in connector.calls(SEND)] == [429, 200]
    assert waits.seconds == [BASE_DELAY * 0.75]  # half the step fixed, half jitter (0.5 here)


@pytest.mark.parametrize("status", [412, 502, 504])
def test_gateway_errors_are_retried_with_growing_capped_waits_then_left_to_the_dispatcher(
    sqlite_engine: Engine, notifier: TeamsNotifier, connector: FakeConnector, waits: Waits, status: int,
) -> None:
    keep(sqlite_engine, "29:1bob", BOB_CHAT, connector.url)
    message = notice(sqlite_engine, "29:1bob", "dm_primary_new")
    connector.fail(SEND, *[Failure(status)] * MAX_ATTEMPTS)

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=1, retrying=1)

    assert len(connector.calls(SEND)) == MAX_ATTEMPTS
    assert waits.seconds == sorted(waits.seconds) and len(waits.seconds) == MAX_ATTEMPTS - 1
    assert max(waits.seconds) <= MAX_DELAY
    assert f"HTTP {status}" in row(sqlite_engine, message).last_error


@pytest.mark.parametrize("status", [403, 404])
def test_a_conversation_gone_is_given_up_at_once_and_its_reference_forgotten(
    sqlite_engine: Engine, notifier: TeamsNotifier, connector: FakeConnector, status: int,
) -> None:
    keep(sqlite_engine, "29:1bob", BOB_CHAT, connector.url)
    message = notice(sqlite_engine, "29:1bob", "dm_primary_new")
    connector.fail(SEND, Failure(status, "ConversationNotFound"))

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=1, failed=1)

    assert len(connector.calls(SEND)) == 1
    assert row(sqlite_engine, message).status == "failed"
    assert "29:1bob" not in stored(sqlite_engine)


def test_a_connector_that_does_not_answer_is_retried_later(
    sqlite_engine: Engine, notifier: TeamsNotifier, waits: Waits,
) -> None:
    keep(sqlite_engine, "29:1bob", BOB_CHAT, "http://127.0.0.1:9/")  # the discard port: refused
    notice(sqlite_engine, "29:1bob", "dm_primary_new")

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=1, retrying=1)
    assert len(waits.seconds) == MAX_ATTEMPTS - 1


def test_with_no_conversation_known_at_all_the_row_waits(sqlite_engine: Engine, notifier: TeamsNotifier) -> None:
    message = notice(sqlite_engine, "29:1bob", "dm_primary_new")
    notice(sqlite_engine, ta.CHANNEL)

    assert dispatch(sqlite_engine, notifier) == DispatchResult(claimed=2, retrying=2)
    assert "no Teams conversation is known" in row(sqlite_engine, message).last_error


def test_references_kept_without_auth_are_not_used_once_auth_is_on(
    sqlite_engine: Engine, connector: FakeConnector,
) -> None:
    keep(sqlite_engine, "29:1bob", BOB_CHAT, connector.url)  # app_id "": accepted with auth off
    notice(sqlite_engine, "29:1bob", "dm_primary_new")
    secured = TeamsNotifier(sqlite_engine, TeamsConfig("app-id-1", "a-password", "", "MultiTenant"))

    with read_session(sqlite_engine) as session:
        message = session.execute(select(OutboxMessage)).scalar_one()
    with pytest.raises(DeliveryError, match="no Teams conversation is known"):
        secured.deliver(message)

    assert connector.calls() == []  # no token was sent anywhere


def test_progress_on_an_inquiry_goes_into_its_channel_thread(
    sqlite_engine: Engine, notifier: TeamsNotifier, connector: FakeConnector,
) -> None:
    keep(sqlite_engine, ta.CHANNEL, ta.CHANNEL, connector.url, kind="channel")
    notice(sqlite_engine, ta.CHANNEL, "inquiry_progress", conversation=ta.CHANNEL, thread="1700000000999",
           level=0, assignee=BOB, nudges_sent=1, max_nudges=2, question="?", asker={})

    assert dispatch(sqlite_engine, notifier).sent == 1

    assert connector.posted()[0].conversation == f"{ta.CHANNEL};messageid=1700000000999"


def test_an_inquiry_notice_carries_its_buttons(
    sqlite_engine: Engine, notifier: TeamsNotifier, connector: FakeConnector,
) -> None:
    keep(sqlite_engine, "29:1bob", BOB_CHAT, connector.url)
    inquiry = waiting_for_bob(sqlite_engine)  # a nudge goes out only while its question waits
    notice(sqlite_engine, "29:1bob", "inquiry_nudge", inquiry_id=inquiry, question="When?", asker={},
           assignee=BOB, nudges_sent=1, max_nudges=2)

    dispatch(sqlite_engine, notifier)

    [call] = connector.posted()
    data = [a["data"] for a in call.card["actions"]]
    assert data[0] == {"pocbot": "inquiry_answered", "value": f"{inquiry}:en"}
    assert {d["pocbot"] for d in data} == {"inquiry_answered", "inquiry_on_it", "inquiry_hand_off"}
