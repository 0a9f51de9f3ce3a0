"""The seam from a change to its messages: a service records events, the registry's handlers
answer them in the change's own transaction (bot/events.py, bot/reactions.py)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.events import (
    BackupAdded, BackupRemoved, Changes, DirectoryChanged, Event, HandoverScheduled, InquiriesMoved, PocChanged,
    Registry, Unassigned,
)
from bot.jobs import run_handovers
from bot.messages import ReplyKind
from bot.reactions import REACTIONS
from store import outbox
from store.db import read_session, write_session
from store.models import DirectoryChange, OutboxMessage
from tests.core.test_announce import Chat, counts, store  # noqa: F401 (fixture)
from tests.harness import NOW


def test_the_registry_lists_every_event_and_its_handlers_in_order() -> None:
    assert REACTIONS.listing() == {
        "PocChanged": ["announce", "move_inquiries"],
        "Unassigned": ["announce", "move_inquiries"],
        "BackupAdded": ["announce"],
        "BackupRemoved": ["announce"],
        "HandoverScheduled": [],
        "InquiriesMoved": ["tell_moved"],
    }


def test_a_handler_registered_for_an_event_runs_once_in_the_changes_transaction(store: Engine) -> None:  # noqa: F811
    chat, seen = Chat(store), []

    def spy(unit: Changes, event: PocChanged) -> int:
        # The change is kept in this very transaction, not yet committed: the handler sees it.
        change = unit.session.get(DirectoryChange, event.change_id)
        seen.append((event.topic_id, change.kind if change else None))
        return outbox.add(session=unit.session, now=unit.now, messages=[outbox.about(
            event, "spy", kind="spy", platform="console", address="audit@acme.test", payload={})])

    with REACTIONS.also(PocChanged, spy):
        chat.do("alice", "assign payments @carol")
        chat.do("alice", "assign payments @dan as backup")  # another event: the spy does not answer it

    assert [kind for _, kind in seen] == ["primary"]
    with read_session(store) as session:
        [row] = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "spy")).scalars()
        change_id = session.execute(select(DirectoryChange.id).where(DirectoryChange.kind == "primary")).scalar()
    assert row.dedupe_key == f"change:{change_id}:spy:console:audit@acme.test"  # derived from the event
    assert REACTIONS.handlers(PocChanged)[-1].__name__ == "move_inquiries"  # the block put it back


def test_a_failing_handler_rolls_the_change_back(store: Engine) -> None:  # noqa: F811
    chat = Chat(store)
    before = counts(store)

    def broken(unit: Changes, event: Event) -> int:
        raise RuntimeError("a bug in a reaction")

    with REACTIONS.also(BackupAdded, broken):
        reply = chat.say("alice", "assign payments @dan as backup")

    assert reply.kind is ReplyKind.error
    assert counts(store) == before  # no assignment, change, audit row or message


def test_recording_an_event_twice_queues_its_messages_once(store: Engine) -> None:  # noqa: F811
    """Keys come from the event: a job that records a change again (a retry) says nothing twice."""
    Chat(store).do("alice", "assign payments @carol")
    with read_session(store) as session:
        change = session.execute(select(DirectoryChange)).scalar_one()
        sent = len(session.execute(select(OutboxMessage)).all())
    event = PocChanged(change.id, change.topic_id, change.person_id, change.previous_person_id, change.actor,
                       change.reason, change.effective_at)
    with write_session(store) as session:
        unit = Changes(session, registry=REACTIONS, now=NOW)
        assert unit.record(event) == 0 and unit.recorded == [event]
    with read_session(store) as session:
        assert len(session.execute(select(OutboxMessage)).all()) == sent


def test_a_private_registry_answers_only_what_it_lists(store: Engine) -> None:  # noqa: F811
    calls: list[Event] = []
    registry = Registry({BackupRemoved: [lambda unit, event: calls.append(event)]})
    event = BackupRemoved(1, 1, None, None, "test", "", NOW)
    with write_session(store) as session:
        unit = Changes(session, registry=registry, now=NOW)
        unit.record(event)
        unit.record(Unassigned(1, 1, None, None, "test", "", NOW))
    assert calls == [event] and isinstance(event, DirectoryChanged)


def test_a_dated_change_is_recorded_as_scheduled_and_as_itself_on_its_day(store: Engine) -> None:  # noqa: F811
    seen: list[Event] = []

    def spy(unit: Changes, event: Event) -> None:
        seen.append(event)

    chat = Chat(store)
    with REACTIONS.also(HandoverScheduled, spy), REACTIONS.also(PocChanged, spy):
        chat.do("grace", "assign payments @carol from 2030-03-11")
        assert [type(e) for e in seen] == [HandoverScheduled]
        assert run_handovers(engine=store, now=NOW.replace(year=2030, month=4)) == 1
    assert [type(e) for e in seen] == [HandoverScheduled, PocChanged]
    assert seen[0].change_id == seen[1].change_id  # type: ignore[attr-defined]


def test_inquiries_moved_is_an_event_of_its_own() -> None:
    assert REACTIONS.handlers(InquiriesMoved) and not REACTIONS.handlers(HandoverScheduled)
