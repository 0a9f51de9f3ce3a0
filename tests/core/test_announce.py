"""Every change is kept and announced exactly once: outbox rows written with the change.

Runs on SQLite and on PostgreSQL (the `engine` fixture). The demo organisation is loaded
into a fresh store per test; the bot's clock is fixed.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.events import PocChanged
from bot.messages import Actor, Reply, ReplyKind, Request
from bot.notices import render_notice
from bot.reactions import REACTIONS
from integrations.bootstrap import DEMO_FILE
from integrations.files.importing import import_file
from integrations.slack.render import STYLE
from store.db import read_session, write_session
from store.models import (
    Assignment,
    AssignmentKind,
    AuditEntry,
    DirectoryChange,
    OutboxMessage,
    Person,
    Subscription,
    Topic,
    TopicAlias,
)
from tests.harness import IMPORTED_AT, NOW, Clock, load_demo

# grace lives in America/Los_Angeles: her "2030-03-11" starts at 07:00 UTC.
GRACE_DAY = datetime(2030, 3, 11, tzinfo=ZoneInfo("America/Los_Angeles"))
COUNTED = (Topic, TopicAlias, Assignment, DirectoryChange, OutboxMessage, AuditEntry, Subscription)


# --- harness -----------------------------------------------------------------------------

class Chat:
    def __init__(self, engine: Engine, **options: object) -> None:
        self.engine = engine
        self.clock = Clock(NOW)
        self.bot = Bot(engine, clock=self.clock, **options)  # type: ignore[arg-type]

    def say(self, who: str, text: str, *, channel: str | None = None) -> Reply:
        if re.fullmatch(r"U[A-Z0-9]+", who):
            actor = Actor("slack", who)
        else:
            email = who if "@" in who else f"{who}@acme.test"
            actor = Actor("console", email, email=email)
        return self.bot.handle(Request(text, actor, channel=channel))

    def do(self, who: str, text: str, *, channel: str | None = None) -> Reply:
        """A command expected to succeed."""
        reply = self.say(who, text, channel=channel)
        assert reply.kind is ReplyKind.done, (text, reply)
        return reply

    def poc(self, topic: str, at: datetime | None = None) -> str | None:
        answer = self.bot.lookup(topic, at=at).answer
        assert answer is not None
        return answer.primary.email if answer.primary else None


def counts(engine: Engine) -> dict[str, int]:
    with read_session(engine) as session:
        return {m.__name__: session.execute(select(func.count()).select_from(m)).scalar_one() for m in COUNTED}


def outbox(engine: Engine) -> list[OutboxMessage]:
    with read_session(engine) as session:
        return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def recipients(engine: Engine) -> list[tuple[str, str, str]]:
    return sorted((m.platform, m.address, m.kind) for m in outbox(engine))


def changes(engine: Engine) -> list[DirectoryChange]:
    with read_session(engine) as session:
        return list(session.execute(select(DirectoryChange).order_by(DirectoryChange.id)).scalars())


def ids(engine: Engine) -> dict[str, int]:
    with read_session(engine) as session:
        return dict(session.execute(select(Person.email, Person.id)).all())


def assignments(engine: Engine, topic: str) -> list[tuple[str, AssignmentKind, datetime, datetime | None]]:
    """(email, kind, starts_at, ends_at) of every stint on the topic, oldest first, in UTC."""
    with read_session(engine) as session:
        rows = session.execute(
            select(Person.email, Assignment.kind, Assignment.starts_at, Assignment.ends_at)
            .join(Person, Person.id == Assignment.person_id).join(Topic, Topic.id == Assignment.topic_id)
            .where(Topic.name == topic).order_by(Assignment.starts_at, Assignment.id)
        ).all()
    return [(email, AssignmentKind(kind), utc(start), utc(end) if end else None) for email, kind, start, end in rows]


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def notices(engine: Engine, style=None) -> dict[tuple[str, str], str]:
    """(address, kind) -> rendered text of every outbox row."""
    return {(m.address, m.kind): render_notice(m, style) if style else render_notice(m) for m in outbox(engine)}


@pytest.fixture
def store(engine: Engine) -> Engine:
    return load_demo(engine)


@pytest.fixture
def chat(store: Engine) -> Chat:
    return Chat(store)


# --- an immediate handover -----------------------------------------------------------------

def test_a_handover_ends_the_old_assignment_keeps_it_and_starts_the_new_one(chat):
    chat.do("alice", "assign payments @carol because Bob moves to Tax")

    assert assignments(chat.engine, "Payments") == [
        ("bob@acme.test", AssignmentKind.primary, IMPORTED_AT, NOW),
        ("alice@acme.test", AssignmentKind.backup, IMPORTED_AT, None),
        ("carol@acme.test", AssignmentKind.primary, NOW, None),
    ]
    assert chat.poc("payments") == "carol@acme.test"
    assert chat.poc("payments", at=NOW - timedelta(seconds=1)) == "bob@acme.test"


def test_a_handover_keeps_one_change_with_who_did_it_why_and_when(chat):
    chat.do("alice", "assign payments @carol because Bob moves to Tax")

    [change] = changes(chat.engine)
    people = ids(chat.engine)
    assert (change.kind, change.person_id, change.previous_person_id) == (
        "primary", people["carol@acme.test"], people["bob@acme.test"])
    assert (change.actor, change.reason) == ("alice@acme.test", "Bob moves to Tax")
    assert utc(change.effective_at) == NOW and utc(change.announced_at) == NOW
    assert change.cancelled_at is None


def test_a_handover_is_announced_once_in_every_hearing_channel_and_to_the_new_and_previous_poc(chat):
    subscribe = [
        ("C0FINFEED", "subscribe finance"),  # an ancestor of Payments
        ("C0TAGS", "subscribe tag service"),  # a tag of Payments
        ("C0TAGS", "subscribe payments"),  # ...and Payments itself: still one message
        ("C0ALL", "subscribe all"),
        ("C0PAYMENTS", "subscribe all"),  # Payments' own channel hears once
        ("C0LEGALFEED", "subscribe legal"),  # hears nothing about Payments
        ("C0PEOPLEFEED", "subscribe tag people"),  # nor this
    ]
    for channel, command in subscribe:
        chat.do("U0GRACE", command, channel=channel)

    chat.do("alice", "assign payments @carol because Bob moves to Tax")

    assert recipients(chat.engine) == sorted([
        ("slack", "C0PAYMENTS", "announcement"),
        ("slack", "C0FINFEED", "announcement"),
        ("slack", "C0TAGS", "announcement"),
        ("slack", "C0ALL", "announcement"),
        ("slack", "U0CAROL", "dm_primary_new"),  # carol has a Slack id
        ("teams", "29:1bob", "dm_primary_old"),  # bob only a Teams id
    ])
    assert {m.status for m in outbox(chat.engine)} == {"pending"}
    assert {utc(m.next_attempt_at) for m in outbox(chat.engine)} == {NOW}


def test_the_announcement_and_the_dms_read_with_names_and_the_reason(chat):
    chat.do("alice", "assign payments @carol because Bob moves to Tax")

    texts = notices(chat.engine)
    assert texts[("C0PAYMENTS", "announcement")] == (
        "*Payments* has a new POC: Carol Smith (was Bob Chen), set by Alice Moreno. Reason: Bob moves to Tax.")
    assert texts[("29:1bob", "dm_primary_old")] == (
        "You are no longer the POC for *Payments*: Carol Smith takes over. Reason: Bob moves to Tax.")
    new_poc = texts[("U0CAROL", "dm_primary_new")]
    assert new_poc.startswith("You are now the POC for *Payments*.")
    assert "Bob Chen held it before" in new_poc and "Reason: Bob moves to Tax." in new_poc


def test_the_reason_in_the_new_pocs_dm_does_not_run_into_the_next_sentence(chat):
    chat.do("alice", "assign payments @carol because Bob moves to Tax")

    assert notices(chat.engine)[("U0CAROL", "dm_primary_new")] == (
        "You are now the POC for *Payments*. Reason: Bob moves to Tax. Bob Chen held it before: "
        "ask them for context.")


def test_a_reason_typed_with_a_full_stop_does_not_get_a_second_one(chat):
    chat.do("alice", "assign payments @carol because Bob moves to Tax.")

    assert notices(chat.engine)[("C0PAYMENTS", "announcement")].endswith("Reason: Bob moves to Tax.")


def test_the_payload_carries_the_people_and_the_change(chat):
    chat.do("alice", "assign payments @carol because Bob moves to Tax")

    payload = next(m.payload for m in outbox(chat.engine) if m.kind == "announcement")
    people = ids(chat.engine)
    assert payload["topic"] == "Payments" and payload["change"] == "primary" and payload["lang"] == "en"
    assert payload["person"] == {"id": people["carol@acme.test"], "name": "Carol Smith",
                                 "email": "carol@acme.test", "slack_id": "U0CAROL", "teams_id": None}
    assert payload["previous"]["email"] == "bob@acme.test" and payload["previous"]["teams_id"] == "29:1bob"
    assert payload["actor"] == "alice@acme.test" and payload["reason"] == "Bob moves to Tax"
    assert payload["effective_at"][:19] == "2030-03-04T10:00:00"


def test_in_slack_an_announcement_mentions_people_by_their_slack_id(chat):
    chat.do("alice", "assign payments @carol")

    slack = notices(chat.engine, STYLE)
    assert slack[("C0PAYMENTS", "announcement")] == (
        "*Payments* has a new POC: <@U0CAROL> (was Bob Chen), set by Alice Moreno.")


def test_someone_with_neither_slack_nor_teams_gets_their_dm_on_the_console_by_email(chat):
    chat.do("alice", "assign expenses @rosa")  # bob -> rosa; Expenses has no channel

    assert recipients(chat.engine) == [
        ("console", "rosa@acme.test", "dm_primary_new"),
        ("teams", "29:1bob", "dm_primary_old"),
    ]


def test_a_topic_without_a_channel_or_subscribers_is_only_told_to_the_people_concerned(chat):
    chat.do("grace", "assign customer support @erin")

    assert [kind for _, _, kind in recipients(chat.engine)] == ["dm_primary_new", "dm_primary_old"]


def test_the_first_poc_of_a_topic_is_not_told_to_ask_nobody_for_context(chat):
    chat.do("grace", "assign corporate cards @dan")

    [dm] = [m for m in outbox(chat.engine) if m.kind == "dm_primary_new"]
    assert "nobody" not in render_notice(dm)


def test_the_first_poc_of_a_topic_gets_a_dm_and_no_one_is_told_they_lost_it(chat):
    chat.do("grace", "assign corporate cards @dan")

    assert recipients(chat.engine) == [("console", "dan@acme.test", "dm_primary_new")]


def test_a_new_backup_is_announced_and_told(chat):
    chat.do("alice", "assign payments @dan as backup because he knows Stripe")

    [change] = changes(chat.engine)
    assert (change.kind, change.person_id, change.previous_person_id) == (
        "backup_add", ids(chat.engine)["dan@acme.test"], None)
    assert notices(chat.engine) == {
        ("C0PAYMENTS", "announcement"):
            "Dan Okafor is now a backup for *Payments*, set by Alice Moreno. Reason: he knows Stripe.",
        ("dan@acme.test", "dm_backup_add_new"): "You are now a backup for *Payments*. Reason: he knows Stripe.",
    }


def test_a_removed_backup_is_announced_and_told(chat):
    chat.do("alice", "unassign payments @alice")

    assert notices(chat.engine) == {
        ("C0PAYMENTS", "announcement"):
            "Alice Moreno is no longer a backup for *Payments*, changed by Alice Moreno.",
        ("alice@acme.test", "dm_backup_remove_new"): "You are no longer a backup for *Payments*.",
    }
    assert [e for e, kind, _, end in assignments(chat.engine, "Payments") if kind is AssignmentKind.backup and end is None] == []


def test_unassigning_the_poc_announces_that_the_topic_has_none(chat):
    chat.do("grace", "unassign marketing @olivia because she left")

    [change] = changes(chat.engine)
    assert (change.kind, change.person_id, change.previous_person_id) == (
        "unassign", None, ids(chat.engine)["olivia@acme.test"])
    assert notices(chat.engine) == {
        ("C0MARKETING", "announcement"):
            "*Marketing* has no POC any more: Olivia Rossi was unassigned by Grace Lopez. Reason: she left.",
        ("olivia@acme.test", "dm_unassign_old"):
            "You are no longer the POC for *Marketing*; it has no POC now. Reason: she left.",
    }
    assert chat.poc("marketing") is None


def test_a_handover_to_a_backup_ends_their_backup_stint_and_announces_one_change(chat):
    chat.do("alice", "assign payments @alice")

    assert assignments(chat.engine, "Payments") == [
        ("bob@acme.test", AssignmentKind.primary, IMPORTED_AT, NOW),
        ("alice@acme.test", AssignmentKind.backup, IMPORTED_AT, NOW),
        ("alice@acme.test", AssignmentKind.primary, NOW, None),
    ]
    assert [c.kind for c in changes(chat.engine)] == ["primary"]
    assert [kind for _, _, kind in recipients(chat.engine)].count("announcement") == 1


def test_each_change_is_announced_on_its_own_and_nothing_twice(chat):
    chat.do("alice", "assign payments @carol")
    chat.do("alice", "assign payments @dan")
    chat.do("alice", "assign payments @carol")

    announcements = [m for m in outbox(chat.engine) if m.kind == "announcement"]
    assert len(announcements) == 3 and len({m.dedupe_key for m in outbox(chat.engine)}) == len(outbox(chat.engine))
    assert [render_notice(m).split(",")[0] for m in announcements] == [
        "*Payments* has a new POC: Carol Smith (was Bob Chen)",
        "*Payments* has a new POC: Dan Okafor (was Carol Smith)",
        "*Payments* has a new POC: Carol Smith (was Dan Okafor)",
    ]


def test_a_refused_or_invalid_command_announces_nothing(chat):
    chat.say("bob", "assign payments @carol")
    chat.say("grace", "assign payments @bob")
    chat.say("grace", "assign paymnts @carol")

    assert outbox(chat.engine) == [] and changes(chat.engine) == []


def test_a_failure_while_announcing_leaves_nothing_half_done(chat):
    def broken(unit: object, event: object) -> int:
        raise RuntimeError("the outbox is on fire")

    before = counts(chat.engine)

    with REACTIONS.also(PocChanged, broken):
        reply = chat.say("alice", "assign payments @carol")

    assert reply.kind is ReplyKind.error
    assert counts(chat.engine) == before
    assert chat.poc("payments") == "bob@acme.test"


# --- a dated handover ----------------------------------------------------------------------

def test_a_dated_handover_is_kept_now_takes_effect_on_its_day_and_is_not_announced_yet(chat):
    reply = chat.do("grace", "assign payments @carol from 2030-03-11 because Bob moves to Tax")

    assert reply.note == "scheduled"
    assert assignments(chat.engine, "Payments") == [
        ("bob@acme.test", AssignmentKind.primary, IMPORTED_AT, GRACE_DAY),
        ("alice@acme.test", AssignmentKind.backup, IMPORTED_AT, None),
        ("carol@acme.test", AssignmentKind.primary, GRACE_DAY, None),
    ]
    [change] = changes(chat.engine)
    assert utc(change.effective_at) == GRACE_DAY and change.announced_at is None
    assert (change.kind, change.reason) == ("primary", "Bob moves to Tax")
    assert outbox(chat.engine) == []
    assert chat.poc("payments") == "bob@acme.test"
    assert chat.poc("payments", at=GRACE_DAY - timedelta(seconds=1)) == "bob@acme.test"
    assert chat.poc("payments", at=GRACE_DAY) == "carol@acme.test"


def test_a_dated_handover_stays_unannounced_when_its_day_comes_until_the_job_runs(chat):
    chat.do("grace", "assign payments @carol from 2030-03-11")
    chat.clock.now = GRACE_DAY + timedelta(hours=1)

    assert chat.poc("payments", at=chat.clock.now) == "carol@acme.test"
    assert outbox(chat.engine) == []


def test_the_handover_job_announces_a_dated_handover_once_when_it_is_due(chat):
    from bot.jobs import run_handovers

    chat.do("grace", "assign payments @carol from 2030-03-11 because Bob moves to Tax")

    assert run_handovers(engine=chat.engine, now=GRACE_DAY - timedelta(seconds=1)) == 0
    assert outbox(chat.engine) == []
    assert run_handovers(engine=chat.engine, now=GRACE_DAY) == 1
    assert run_handovers(engine=chat.engine, now=GRACE_DAY + timedelta(days=1)) == 0

    assert recipients(chat.engine) == [
        ("slack", "C0PAYMENTS", "announcement"),
        ("slack", "U0CAROL", "dm_primary_new"),
        ("teams", "29:1bob", "dm_primary_old"),
    ]
    assert notices(chat.engine)[("C0PAYMENTS", "announcement")] == (
        "*Payments* has a new POC: Carol Smith (was Bob Chen), set by Grace Lopez. Reason: Bob moves to Tax.")
    assert utc(changes(chat.engine)[0].announced_at) == GRACE_DAY


def test_a_second_handover_clashes_with_the_one_scheduled_and_writes_nothing(chat):
    chat.do("grace", "assign payments @carol from 2030-03-11")
    before = counts(chat.engine)

    later = chat.say("grace", "assign payments @dan from 2030-03-20")
    now = chat.say("grace", "assign payments @dan")

    for reply in (later, now):
        assert (reply.kind, reply.note) == (ReplyKind.invalid, "handover_clash")
    assert later.values["when"] == "2030-03-11"
    assert counts(chat.engine) == before
    assert chat.poc("payments", at=GRACE_DAY) == "carol@acme.test"


def test_once_a_dated_handover_is_announced_the_topic_can_be_handed_over_again(chat):
    from bot.jobs import run_handovers

    chat.do("grace", "assign payments @carol from 2030-03-11")
    run_handovers(engine=chat.engine, now=GRACE_DAY)
    chat.clock.now = GRACE_DAY + timedelta(days=1)

    assert chat.say("grace", "assign payments @dan").note == "assigned"
    assert chat.poc("payments", at=chat.clock.now) == "dan@acme.test"


def test_unassigning_the_person_a_handover_is_scheduled_to_keeps_lookups_and_announcements_consistent(chat):
    from bot.jobs import run_handovers

    chat.do("grace", "assign legal @kate from 2030-03-11")

    chat.say("grace", "unassign legal @kate")

    assert chat.poc("legal") == "frank@acme.test"
    assert not [m for m in outbox(chat.engine) if m.payload.get("change") == "unassign"]
    run_handovers(engine=chat.engine, now=GRACE_DAY)
    announced_kate = [m for m in outbox(chat.engine)
                      if m.kind == "announcement" and (m.payload.get("person") or {}).get("email") == "kate@acme.test"]
    assert bool(announced_kate) == (chat.poc("legal", at=GRACE_DAY) == "kate@acme.test")
    assert chat.poc("legal", at=GRACE_DAY) is not None


def test_backups_can_change_while_a_handover_is_scheduled(chat):
    chat.do("grace", "assign payments @carol from 2030-03-11")

    chat.do("grace", "assign payments @dan as backup")

    answer = chat.bot.lookup("payments").answer
    assert [p.email for p in answer.backups] == ["alice@acme.test", "dan@acme.test"]
    assert [m.kind for m in outbox(chat.engine)].count("announcement") == 1


# --- escaping ------------------------------------------------------------------------------

def test_user_text_in_a_notice_is_escaped_for_slack(chat):
    chat.do("grace", "topic add Launch <!channel> parent Payments")
    chat.do("U0GRACE", "subscribe all", channel="C0ALL")

    chat.do("grace", "assign launch <!channel> @carol because <!here> & friends")

    [announcement] = [m for m in outbox(chat.engine) if m.kind == "announcement"]
    assert announcement.payload["topic"] == "Launch <!channel>"
    slack = render_notice(announcement, STYLE)
    assert "<!channel>" not in slack and "<!here>" not in slack
    assert slack == ("*Launch &lt;!channel&gt;* has a new POC: <@U0CAROL> (was nobody), set by <@U0GRACE>. "
                     "Reason: &lt;!here&gt; &amp; friends.")
    for message in outbox(chat.engine):
        assert "<!" not in render_notice(message, STYLE)


# --- imports -------------------------------------------------------------------------------

def edited_demo(tmp_path: Path, **pocs: str | None) -> Path:
    """The demo file with some topics' POC changed (None: no POC), plus a new topic."""
    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    for topic in data["topics"]:
        if topic["name"] in pocs:
            if pocs[topic["name"]] is None:
                topic.pop("poc", None)
            else:
                topic["poc"] = pocs[topic["name"]]
    data["topics"].append({"name": "Treasury", "parent": "Finance", "channel": "C0TREASURY",
                           "poc": "alice@acme.test"})
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def imported(engine: Engine) -> Engine:
    import_file(engine, DEMO_FILE, actor="import:org.yaml")
    return engine


def test_importing_into_an_empty_store_announces_nothing(imported):
    assert outbox(imported) == [] and changes(imported) == []


def test_an_import_announces_each_existing_topic_whose_poc_changed_once(imported, tmp_path):
    path = edited_demo(tmp_path, **{"Payments": "carol@acme.test", "Corporate Cards": "dan@acme.test",
                                    "Tax": None})

    import_file(imported, path, actor="import:org.yaml")

    people = ids(imported)
    found = {(c.kind, c.person_id, c.previous_person_id, c.actor) for c in changes(imported)}
    assert found == {
        ("primary", people["carol@acme.test"], people["bob@acme.test"], "import:org.yaml"),
        ("primary", people["dan@acme.test"], None, "import:org.yaml"),
        ("unassign", None, people["alice@acme.test"], "import:org.yaml"),
    }
    assert all(c.announced_at is not None for c in changes(imported))
    assert recipients(imported) == sorted([
        ("slack", "C0PAYMENTS", "announcement"),
        ("console", "carol@acme.test", "dm_primary_new"),
        ("console", "bob@acme.test", "dm_primary_old"),
        ("console", "dan@acme.test", "dm_primary_new"),
        ("console", "alice@acme.test", "dm_unassign_old"),
    ])
    announcement = next(m for m in outbox(imported) if m.kind == "announcement")
    assert render_notice(announcement) == (
        "*Payments* has a new POC: Carol Smith (was Bob Chen), set by import:org.yaml.")


def test_an_import_does_not_announce_the_topics_it_creates(imported, tmp_path):
    import_file(imported, edited_demo(tmp_path), actor="import:org.yaml")

    assert outbox(imported) == [] and changes(imported) == []
    assert Chat(imported).bot.lookup("treasury").answer.primary.email == "alice@acme.test"


def test_a_quiet_import_announces_nothing(imported, tmp_path):
    path = edited_demo(tmp_path, Payments="carol@acme.test")

    import_file(imported, path, actor="import:org.yaml", quiet=True)

    assert outbox(imported) == [] and changes(imported) == []
    assert Chat(imported).bot.lookup("payments").answer.primary.email == "carol@acme.test"


def test_importing_the_same_file_twice_announces_nothing_more(imported, tmp_path):
    path = edited_demo(tmp_path, Payments="carol@acme.test")
    import_file(imported, path, actor="import:org.yaml")
    before = counts(imported)

    import_file(imported, path, actor="import:org.yaml")

    assert counts(imported) == before
    assert len(changes(imported)) == 1
    assert len([m for m in outbox(imported) if m.kind == "announcement"]) == 1


def test_an_import_announces_to_subscribed_channels_too(imported, tmp_path):
    chat = Chat(imported)
    with write_session(imported) as session:
        session.execute(update(Person).where(Person.email == "grace@acme.test").values(slack_id="U0GRACE"))
    chat.do("U0GRACE", "subscribe tag finance", channel="C0FINFEED")

    import_file(imported, edited_demo(tmp_path, Payments="carol@acme.test"), actor="import:org.yaml")

    assert [a for _, a, kind in recipients(imported) if kind == "announcement"] == ["C0FINFEED", "C0PAYMENTS"]
