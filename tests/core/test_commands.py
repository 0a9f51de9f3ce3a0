"""Directory commands in chat: who may change what, what each command replies, what bad input does.

Every test loads the demo organisation (integrations/files/demo/org.yaml) into a fresh
store: grace is an admin; alice, carol and luis are managers; everyone else a member.
Time is an input: the bot's clock is fixed, and the demo is imported at a fixed time.
"""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.i18n import catalogue, languages
from bot.messages import Actor, Reply, ReplyKind, Request
from bot.render import render_text
from integrations.bootstrap import DEMO_FILE
from integrations.slack.render import STYLE
from store.db import read_session, write_session
from store.models import (
    Absence,
    Assignment,
    AuditEntry,
    DirectoryChange,
    OutboxMessage,
    Person,
    Subscription,
    Topic,
    TopicAlias,
    TopicManager,
)
from tests.harness import NOW, Clock, load_demo

COUNTED = (Topic, TopicAlias, Assignment, DirectoryChange, OutboxMessage, AuditEntry, Absence, Subscription)
PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}")


# --- harness -----------------------------------------------------------------------------

class Chat:
    """A bot on the store; `say("grace", ...)` writes as grace@acme.test from the console,
    `say("U0CAROL", ...)` as that Slack user."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None, **options: object) -> None:
        self.engine = engine
        self.clock = clock or Clock(NOW)
        self.bot = Bot(engine, clock=self.clock, **options)  # type: ignore[arg-type]

    def say(self, who: str, text: str, *, channel: str | None = None) -> Reply:
        if re.fullmatch(r"U[A-Z0-9]+", who):
            actor = Actor("slack", who)
        else:
            email = who if "@" in who else f"{who}@acme.test"
            actor = Actor("console", email, email=email)
        reply = self.bot.handle(Request(text, actor, channel=channel))
        assert reply.kind is not ReplyKind.error, f"{text!r} failed inside the bot"
        return reply

    def lookup(self, question: str, at: datetime | None = None) -> Reply:
        return self.bot.lookup(question, at=at)


def counts(engine: Engine) -> dict[str, int]:
    with read_session(engine) as session:
        return {m.__name__: session.execute(select(func.count()).select_from(m)).scalar_one() for m in COUNTED}


def grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


def person_id(engine: Engine, email: str) -> int:
    with read_session(engine) as session:
        return session.execute(select(Person.id).where(Person.email == email)).scalar_one()


def topic_id(engine: Engine, name: str) -> int:
    with read_session(engine) as session:
        return session.execute(select(Topic.id).where(Topic.name == name)).scalar_one()


def audit_entries(engine: Engine, action_prefix: str = "") -> list[AuditEntry]:
    with read_session(engine) as session:
        query = select(AuditEntry).where(AuditEntry.action.startswith(action_prefix)).order_by(AuditEntry.id)
        return list(session.execute(query).scalars())


def text(reply: Reply) -> str:
    return render_text(reply)


def poc(chat: Chat, topic: str, at: datetime | None = None) -> str | None:
    answer = chat.lookup(topic, at=at).answer
    assert answer is not None, f"{topic!r} did not resolve"
    return answer.primary.email if answer.primary else None


def backups(chat: Chat, topic: str, at: datetime | None = None) -> list[str]:
    answer = chat.lookup(topic, at=at).answer
    assert answer is not None
    return [p.email for p in answer.backups]


DEMO_NAMES = [p["name"] for p in yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))["people"]]


@pytest.fixture
def store(engine: Engine) -> Engine:
    """The demo organisation on SQLite and on PostgreSQL."""
    return load_demo(engine)


@pytest.fixture
def sqlite_store(sqlite_engine: Engine) -> Engine:
    """The demo organisation on SQLite only."""
    return load_demo(sqlite_engine)


@pytest.fixture
def chat(store: Engine) -> Chat:
    return Chat(store)


@pytest.fixture
def lite(sqlite_store: Engine) -> Chat:
    return Chat(sqlite_store)


# --- who may change what -------------------------------------------------------------------

def test_an_admin_may_hand_over_any_topic(chat):
    reply = chat.say("grace", "assign legal @kate")

    assert reply.kind is ReplyKind.done and reply.note == "assigned"
    assert text(reply) == (
        "Done: Kate O'Brien is now the POC for *Legal*. "
        "The topic's channels and the people concerned are told.\n"
        "They take over from Frank Müller."
    )
    assert poc(chat, "legal") == "kate@acme.test"


def test_a_manager_may_change_a_topic_under_one_they_are_the_poc_of(chat):
    # alice is the POC of Finance, so she manages Payments (a child of Finance).
    reply = chat.say("alice", "assign payments @carol")

    assert reply.note == "assigned"
    assert poc(chat, "payments") == "carol@acme.test"


def test_a_manager_may_change_a_topic_they_are_listed_as_managing(chat):
    with write_session(chat.engine) as session:
        session.add(TopicManager(topic_id=topic_id(chat.engine, "Travel"),
                                 person_id=person_id(chat.engine, "luis@acme.test")))

    assert chat.say("luis", "assign travel @rosa").note == "assigned"
    assert poc(chat, "travel") == "rosa@acme.test"


def test_a_manager_of_another_topic_is_refused_told_why_and_who_can_and_the_refusal_is_audited(chat):
    before = counts(chat.engine)

    reply = chat.say("luis", "assign payments @carol")

    assert reply.kind is ReplyKind.refused
    assert text(reply) == "Sorry, you can't do that (your role: manager). Ask Alice Moreno, Grace Lopez."
    assert grown(before, counts(chat.engine)) == {"AuditEntry": 1}
    [entry] = audit_entries(chat.engine, "refused.")
    assert (entry.action, entry.actor, entry.topic_id) == (
        "refused.assign", "luis@acme.test", topic_id(chat.engine, "Payments"))
    assert entry.detail["request"] == "payments @carol" and entry.detail["role"] == "manager"
    assert poc(chat, "payments") == "bob@acme.test"


def test_a_member_is_refused_even_on_a_topic_they_are_the_poc_of(chat):
    before = counts(chat.engine)

    reply = chat.say("bob", "assign payments @carol")

    assert reply.kind is ReplyKind.refused
    assert "(your role: member)" in text(reply)
    assert grown(before, counts(chat.engine)) == {"AuditEntry": 1}
    assert poc(chat, "payments") == "bob@acme.test"


@pytest.mark.parametrize("who", ["UNOBODY", "zed@elsewhere.test"], ids=["slack", "console"])
def test_someone_outside_the_directory_is_refused(chat, who):
    before = counts(chat.engine)

    reply = chat.say(who, "assign payments @carol")

    assert reply.kind is ReplyKind.refused
    assert "(your role: member)" in text(reply)
    assert grown(before, counts(chat.engine)) == {"AuditEntry": 1}
    [entry] = audit_entries(chat.engine, "refused.")
    assert entry.actor == ("slack:UNOBODY" if who == "UNOBODY" else "console:zed@elsewhere.test")


def test_a_bootstrap_admin_from_pocbot_admins_may_change_any_topic(store):
    chat = Chat(store, admins=frozenset({"BOB@acme.test"}))  # a member in the directory

    assert chat.say("bob", "assign legal @kate").note == "assigned"
    assert chat.say("bob", "topic add Treasury").note == "topic_added"
    assert poc(chat, "legal") == "kate@acme.test"


def test_bootstrap_admins_are_named_among_those_who_can(sqlite_store):
    chat = Chat(sqlite_store, admins=frozenset({"dan@acme.test"}))

    reply = chat.say("luis", "assign payments @carol")

    assert "Ask Alice Moreno, Grace Lopez, Dan Okafor." in text(reply)


def test_managers_manage_all_lets_any_manager_change_any_topic_but_not_a_member(store):
    chat = Chat(store, managers_manage_all=True)

    assert chat.say("luis", "assign it @maya").note == "assigned"
    assert chat.say("luis", "topic add Treasury").note == "topic_added"
    assert chat.say("bob", "assign it @erin").kind is ReplyKind.refused
    assert poc(chat, "it") == "maya@acme.test"


def test_a_manager_may_not_add_a_top_level_topic_without_managers_manage_all(lite):
    before = counts(lite.engine)

    reply = lite.say("alice", "topic add Treasury")

    assert reply.kind is ReplyKind.refused
    assert grown(before, counts(lite.engine)) == {"AuditEntry": 1}
    assert audit_entries(lite.engine, "refused.")[0].action == "refused.topic.add"


def test_a_manager_who_hands_a_topic_over_no_longer_manages_it(lite):
    # carol manages People because she is its POC; once ines holds it, carol does not.
    assert lite.say("grace", "assign people @ines").note == "assigned"

    assert lite.say("carol", "assign vacation @rosa").kind is ReplyKind.refused
    assert lite.say("carol", "assign recruiting @rosa").note == "assigned"  # she still holds Recruiting
    assert lite.say("ines", "assign vacation @rosa").kind is ReplyKind.refused  # ines is a member


@pytest.mark.parametrize(("command", "action"), [
    ("unassign payments @alice", "refused.unassign"),
    ("assign payments @dan as backup", "refused.assign"),
    ("topic add Refunds parent Payments", "refused.topic.add"),
    ("topic alias Payments stripe", "refused.topic.alias"),
    ("topic rename Payments to Card Payments", "refused.topic.rename"),
    ("topic remove Office Snacks", "refused.topic.remove"),
])
def test_every_change_a_member_tries_is_refused_changes_nothing_and_writes_one_audit_entry(lite, command, action):
    before = counts(lite.engine)

    reply = lite.say("bob", command)

    assert reply.kind is ReplyKind.refused and reply.note == "refused"
    assert grown(before, counts(lite.engine)) == {"AuditEntry": 1}
    [entry] = audit_entries(lite.engine, "refused.")
    assert entry.action == action and entry.actor == "bob@acme.test" and entry.reason == "not allowed"


def test_anyone_in_the_directory_may_mark_themselves_away_and_read_reports(lite):
    assert lite.say("bob", "away until 2030-03-10").note == "away_set"
    assert lite.say("bob", "history payments").kind is ReplyKind.listing
    assert lite.say("bob", "mine").kind is ReplyKind.listing


# --- bad input: a clear reply, and nothing written -----------------------------------------

BAD_INPUT = [
    # (who, command, catalogue key)
    ("grace", "assign xyzzy @carol", "topic_unknown"),
    ("grace", "assign payments @zed", "person_unknown"),
    ("grace", "assign payments zed@elsewhere.test", "person_unknown"),
    ("grace", "assign payments <@UNOBODY>", "person_not_linked"),
    ("grace", "assign payments @carol from someday", "bad_date"),
    ("grace", "assign payments @carol from 2030-02-30", "bad_date"),
    ("grace", "assign payments @carol from 2030-03-01", "past_date"),
    ("grace", "assign payments @carol from today", "past_date"),
    ("grace", "assign payments @bob", "already_poc"),
    ("grace", "assign payments @bob as backup", "backup_is_poc"),
    ("grace", "assign payments @alice as backup", "already_backup"),
    ("grace", "assign payments", "usage_assign"),
    ("grace", "assign @carol", "usage_assign"),
    ("grace", "unassign payments @dan", "not_assigned"),
    ("grace", "unassign payments", "usage_unassign"),
    ("grace", "unassign xyzzy @bob", "topic_unknown"),
    ("grace", "unassign payments @zed", "person_unknown"),
    ("grace", "topic", "usage_topic"),
    ("grace", "topic frobnicate Payments", "usage_topic"),
    ("grace", "topic add billing", "name_taken"),
    ("grace", "topic add PAYMENTS", "name_taken"),
    ("grace", "topic add Treasury parent xyzzy", "topic_unknown"),
    ("grace", "topic alias Payments travel", "name_taken"),
    ("grace", "topic alias Payments", "usage_topic"),
    ("grace", "topic rename Payments to Travel", "name_taken"),
    ("grace", "topic remove Finance", "topic_has_children"),
    ("grace", "topic remove xyzzy", "topic_unknown"),
    ("grace", "history xyzzy", "topic_unknown"),
    ("bob", "away until someday", "bad_date"),
    ("bob", "away until 2030-03-01", "past_date"),
    ("bob", "away until 2030-04-01 delegate @zed", "person_unknown"),
    ("bob", "away until 2030-04-01 delegate @bob", "delegate_self"),
    ("bob", "away", "usage_away"),
    ("bob", "back", "not_away"),
    ("zed", "away until 2030-04-01", "not_in_directory"),
    ("zed", "back", "not_in_directory"),
    ("zed", "mine", "not_in_directory"),
    ("grace", "subscribe payments", "channel_only"),
    ("U0GRACE", "subscribe payments", "channel_only"),
    ("U0GRACE", "unsubscribe", "channel_only"),
]


@pytest.mark.parametrize(("who", "command", "key"), BAD_INPUT, ids=[c for _, c, _ in BAD_INPUT])
def test_bad_input_gets_a_clear_reply_and_writes_nothing(lite, who, command, key):
    before = counts(lite.engine)

    reply = lite.say(who, command)

    assert (reply.kind, reply.note) == (ReplyKind.invalid, key)
    rendered = text(reply)
    assert rendered and not PLACEHOLDER.search(rendered)
    assert counts(lite.engine) == before
    assert poc(lite, "payments") == "bob@acme.test"


def test_no_bad_assign_or_unassign_writes_anything_on_any_store(chat):
    """The assign/unassign rows of BAD_INPUT, one after another in one store (PostgreSQL too)."""
    before = counts(chat.engine)
    wrong = []
    for who, command, key in BAD_INPUT:
        if command.split()[0] not in ("assign", "unassign"):
            continue
        reply = chat.say(who, command)
        if (reply.kind, reply.note) != (ReplyKind.invalid, key) or counts(chat.engine) != before:
            wrong.append((command, reply.kind.value, reply.note, grown(before, counts(chat.engine))))
    assert wrong == []
    assert poc(chat, "payments") == "bob@acme.test"


@pytest.mark.parametrize(("command", "key"), [
    ("subscribe xyzzy", "topic_unknown"),
    ("subscribe tag nosuchtag", "tag_unknown"),
])
def test_a_subscription_to_something_that_does_not_exist_writes_nothing(lite, command, key):
    before = counts(lite.engine)

    reply = lite.say("U0GRACE", command, channel="C0X")

    assert (reply.kind, reply.note) == (ReplyKind.invalid, key)
    assert counts(lite.engine) == before


def test_a_subscription_asked_from_the_console_says_it_needs_a_channel(lite):
    reply = lite.say("grace", "subscribe payments", channel="C0X")

    assert reply.note == "channel_only"
    assert text(reply) == ("Subscriptions belong to a channel: run this in the channel that should hear "
                           "about changes.")


def test_a_misspelt_topic_suggests_close_topics_and_names_nobody(chat):
    before = counts(chat.engine)

    reply = chat.say("grace", "assign paymnts @carol")

    assert (reply.kind, reply.note) == (ReplyKind.invalid, "topic_did_you_mean")
    assert "Payments" in reply.values["topics"]
    rendered = text(reply)
    assert rendered.startswith("I can't find a topic called “paymnts” exactly. Did you mean: Payments")
    assert not [name for name in DEMO_NAMES if name in rendered]
    assert counts(chat.engine) == before


def test_an_unknown_topic_says_how_to_create_it(lite):
    reply = lite.say("grace", "assign xyzzy @carol")

    assert text(reply) == "There is no topic called “xyzzy”. `topic add xyzzy` creates it."


def test_a_person_outside_the_directory_is_named_in_the_reply(lite):
    reply = lite.say("grace", "assign payments zed@elsewhere.test")

    assert text(reply) == ("I can't find zed@elsewhere.test in the directory. "
                           "Mention them (@name) or use their email.")


def test_a_date_in_the_past_says_to_leave_it_out(lite):
    reply = lite.say("grace", "assign payments @carol from 2030-03-01")

    assert text(reply) == "“2030-03-01” is not in the future: leave the date out to change it now."


def test_an_unreadable_date_shows_what_dates_look_like(lite):
    reply = lite.say("grace", "assign payments @carol from someday")

    assert text(reply) == ("I can't read “someday” as a date. Try 2026-12-01, tomorrow, next monday "
                           "or in 2 weeks.")


def test_assigning_the_current_poc_says_so(lite):
    reply = lite.say("grace", "assign payments bob@acme.test")

    assert text(reply) == "Bob Chen is already the POC for *Payments*."


# --- assign and unassign: replies and effect -----------------------------------------------

def test_a_person_can_be_named_by_slack_mention_handle_or_email(lite):
    assert lite.say("grace", "assign legal <@U0CAROL>").note == "assigned"
    assert poc(lite, "legal") == "carol@acme.test"
    assert lite.say("grace", "assign legal @kate").note == "assigned"
    assert poc(lite, "legal") == "kate@acme.test"
    assert lite.say("grace", "assign legal Dan@ACME.test").note == "assigned"
    assert poc(lite, "legal") == "dan@acme.test"


def test_a_topic_can_be_named_by_alias_in_any_case(lite):
    assert lite.say("grace", "assign LAWYERS @kate").note == "assigned"
    assert poc(lite, "legal") == "kate@acme.test"


def test_a_slack_user_linked_to_the_directory_acts_with_their_role(lite):
    reply = lite.say("U0GRACE", "assign legal @kate")

    assert reply.note == "assigned"
    with read_session(lite.engine) as session:
        change = session.execute(select(DirectoryChange)).scalar_one()
    assert change.actor == "grace@acme.test"


def test_adding_a_backup_puts_them_after_the_others_and_says_so(lite):
    reply = lite.say("alice", "assign payments @dan as backup because he knows Stripe")

    assert text(reply) == "Done: Dan Okafor is now a backup for *Payments*."
    assert backups(lite, "payments") == ["alice@acme.test", "dan@acme.test"]
    assert poc(lite, "payments") == "bob@acme.test"


def test_removing_a_backup_keeps_the_poc_and_the_other_backups(lite):
    lite.say("alice", "assign payments @dan as backup")

    reply = lite.say("alice", "unassign payments @alice")

    assert text(reply) == "Done: Alice Moreno is no longer a backup for *Payments*."
    assert backups(lite, "payments") == ["dan@acme.test"]
    assert poc(lite, "payments") == "bob@acme.test"


def test_handing_over_to_a_backup_takes_them_out_of_the_backups(lite):
    assert lite.say("alice", "assign payments @alice").note == "assigned"

    assert poc(lite, "payments") == "alice@acme.test"
    assert backups(lite, "payments") == []


def test_unassigning_the_last_poc_is_allowed_and_says_the_topic_has_none(lite):
    before = counts(lite.engine)

    reply = lite.say("grace", "unassign marketing @olivia because she left")

    assert reply.note == "unassigned_poc"
    assert text(reply) == ("Done: Olivia Rossi is no longer the POC for *Marketing*. "
                           "*Marketing* has no POC now: assign someone soon.")
    assert grown(before, counts(lite.engine))["DirectoryChange"] == 1
    answer = lite.lookup("marketing").answer
    assert answer.primary is None
    assert "Nobody is assigned to *Marketing* yet." in text(lite.lookup("marketing"))


def test_a_topic_left_without_a_poc_is_answered_by_its_parents_poc(lite):
    lite.say("grace", "unassign social media @olivia")
    lite.say("grace", "assign marketing @erin")

    answer = lite.lookup("social media").answer

    assert answer.primary.email == "erin@acme.test" and answer.inherited_from == "Marketing"


# --- dated handovers (replies; announcements are in test_announce.py) ----------------------

def test_a_dated_handover_replies_with_the_day_and_holds_from_the_start_of_that_day_in_the_actors_zone(lite):
    # grace lives in America/Los_Angeles.
    reply = lite.say("grace", "assign payments @carol from 2030-03-11 because Bob moves to Tax")

    assert reply.note == "scheduled"
    assert text(reply) == ("Scheduled: Carol Smith becomes the POC for *Payments* on 2030-03-11. "
                           "It will be announced then.")
    start = datetime(2030, 3, 11, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert poc(lite, "payments", at=start - timedelta(seconds=1)) == "bob@acme.test"
    assert poc(lite, "payments", at=start) == "carol@acme.test"


def test_relative_dates_count_from_the_clock(lite):
    assert lite.say("grace", "assign payments @carol from tomorrow").note == "scheduled"
    # NOW is Monday 2030-03-04 10:00 UTC, 02:00 in Los Angeles: tomorrow starts there 2030-03-05.
    start = datetime(2030, 3, 5, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert poc(lite, "payments", at=start - timedelta(seconds=1)) == "bob@acme.test"
    assert poc(lite, "payments", at=start) == "carol@acme.test"


def test_a_dated_handover_is_confirmed_with_the_day_the_manager_typed_whatever_their_time_zone(lite):
    reply = lite.say("alice", "assign payments @carol from 2030-04-01")

    assert reply.values["when"] == "2030-04-01"


def test_the_poc_of_today_can_still_be_unassigned_while_a_handover_is_scheduled(lite):
    lite.say("grace", "assign payments @carol from 2030-03-11")

    reply = lite.say("grace", "unassign payments @bob")

    assert reply.note == "unassigned_poc"


def test_the_poc_of_today_cannot_become_a_backup_while_a_handover_is_scheduled(lite):
    lite.say("grace", "assign payments @carol from 2030-03-11")

    reply = lite.say("grace", "assign payments @bob as backup")

    assert reply.note == "backup_is_poc"


def test_a_dated_handover_to_a_backup_takes_them_out_of_the_backups_from_that_day(lite):
    lite.say("grace", "assign payments @alice from 2030-03-11")

    later = NOW + timedelta(days=30)
    assert poc(lite, "payments", at=later) == "alice@acme.test"
    assert backups(lite, "payments", at=later) == []


def test_a_backup_added_from_a_date_is_not_a_backup_before_that_date(lite):
    reply = lite.say("grace", "assign payments @dan as backup from 2030-03-11")

    assert reply.kind is ReplyKind.done
    assert backups(lite, "payments") == ["alice@acme.test"]
    start = datetime(2030, 3, 11, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert backups(lite, "payments", at=start) == ["alice@acme.test", "dan@acme.test"]


@pytest.mark.parametrize(("command", "key"), [
    ("assign payments @dan as backup from someday", "bad_date"),
    ("assign payments @dan as backup from 2030-03-01", "past_date"),
])
def test_a_backup_with_a_bad_date_is_refused_and_nothing_written(lite, command, key):
    before = counts(lite.engine)

    reply = lite.say("grace", command)

    assert (reply.kind, reply.note) == (ReplyKind.invalid, key)
    assert counts(lite.engine) == before


# --- topics --------------------------------------------------------------------------------

def test_a_manager_adds_a_topic_under_one_they_manage_and_it_answers_with_the_parents_poc(lite):
    reply = lite.say("alice", "topic add Treasury parent Finance because cash management")

    assert text(reply) == "Added the topic *Treasury*."
    answer = lite.lookup("treasury").answer
    assert answer.topic == "Treasury" and answer.inherited_from == "Finance"
    assert answer.primary.email == "alice@acme.test"
    [entry] = [e for e in audit_entries(lite.engine, "topic.add") if e.actor == "alice@acme.test"]
    assert entry.reason == "cash management"
    assert entry.detail["after"] == {"name": "Treasury", "parent_id": topic_id(lite.engine, "Finance")}


def test_a_new_topic_can_be_assigned_right_away(lite):
    lite.say("grace", "topic add Treasury")

    assert lite.say("grace", "assign treasury @quinn").note == "assigned"
    assert poc(lite, "treasury") == "quinn@acme.test"


def test_an_alias_makes_the_topic_findable_by_it(lite):
    reply = lite.say("alice", "topic alias Payments stripe")

    assert text(reply) == "*Payments* can now also be found as “stripe”."
    answer = lite.lookup("stripe").answer
    assert answer.topic == "Payments" and answer.matched_alias


def test_a_quoted_alias_may_have_several_words(lite):
    reply = lite.say("alice", 'topic alias "Accounts Receivable" "money owed"')

    assert reply.values == {"alias": "money owed", "topic": "Accounts Receivable"}
    assert lite.lookup("money owed").answer.topic == "Accounts Receivable"


def test_renaming_a_topic_keeps_its_pocs_and_history(lite):
    reply = lite.say("alice", "topic rename Payments to Card Payments")

    assert text(reply) == "Renamed *Payments* to *Card Payments*."
    answer = lite.lookup("card payments").answer
    assert answer.topic == "Card Payments" and answer.primary.email == "bob@acme.test"
    assert lite.lookup("billing").answer.topic == "Card Payments"  # aliases stay
    assert lite.say("grace", "history card payments").lines


def test_a_topic_whose_name_has_a_word_ending_in_a_can_be_renamed(lite):
    reply = lite.say("grace", "topic rename Social Media to Social Channels")

    assert reply.note == "topic_renamed"
    assert lite.lookup("social channels").answer.topic == "Social Channels"


def test_removing_a_topic_stops_it_answering_but_keeps_its_history(lite):
    reply = lite.say("grace", "topic remove Social Media")

    assert text(reply) == "Removed *Social Media*; its history is kept."
    after = lite.lookup("social media")
    assert after.answer is None or after.answer.topic != "Social Media"
    with read_session(lite.engine) as session:
        topic = session.execute(select(Topic).where(Topic.name == "Social Media")).scalar_one()
        rows = session.execute(select(Assignment).where(Assignment.topic_id == topic.id)).scalars().all()
    assert topic.removed_at is not None and len(rows) == 1
    assert "Social Media" not in text(lite.say("olivia", "mine"))


def test_a_topic_with_topics_under_it_is_not_removed(lite):
    reply = lite.say("grace", "topic remove Legal")

    assert text(reply) == ("*Legal* still has topics under it (Contracts, GDPR): "
                           "move or remove them first.")
    assert lite.lookup("legal").answer.topic == "Legal"


def test_a_removed_topics_name_stays_taken(lite):
    lite.say("grace", "topic remove Office Snacks")

    assert lite.say("grace", "topic add Office Snacks").note == "name_taken"


# --- history -------------------------------------------------------------------------------

def test_history_lists_who_held_the_topic_when_who_set_it_and_why_newest_first(lite):
    lite.say("alice", "assign payments @carol because Bob moves to Tax")
    lite.clock.now = NOW + timedelta(days=1)
    lite.say("grace", "assign payments @dan from 2030-03-11 because cover")

    reply = lite.say("bob", "history payments")

    assert reply.kind is ReplyKind.listing
    assert text(reply) == "\n".join([
        "History of *Payments* (newest first):",
        "• from 2030-03-11 (scheduled): Dan Okafor (POC), set by grace@acme.test. Reason: cover",
        "• 2030-03-04 → 2030-03-11: Carol Smith (POC), set by alice@acme.test. Reason: Bob moves to Tax",
        "• 2030-01-07 → …: Alice Moreno (backup), set by import. Reason: —",
        "• 2030-01-07 → 2030-03-04: Bob Chen (POC), set by import. Reason: —",
    ])


def test_history_of_a_topic_nobody_ever_held_says_so(lite):
    reply = lite.say("grace", "history corporate cards")

    assert text(reply) == "*Corporate Cards* has no history yet."


# --- away and back -------------------------------------------------------------------------

def test_away_with_a_delegate_sends_lookups_to_the_delegate_until_the_date(lite):
    reply = lite.say("dan", "away until 2030-03-10 delegate @maya")

    assert text(reply) == ("You are marked away until 2030-03-10. "
                           "Lookups send people to Maya Singh meanwhile.")
    answer = lite.lookup("it").answer
    assert answer.primary.email == "dan@acme.test"
    assert answer.away_until == "2030-03-10" and answer.cover.email == "maya@acme.test"
    assert "Dan Okafor is away until 2030-03-10: ask Maya Singh meanwhile." in text(lite.lookup("it"))
    # dan is in Europe/London: the absence ends when 2030-03-10 starts there.
    ends = datetime(2030, 3, 10, tzinfo=ZoneInfo("Europe/London"))
    assert lite.lookup("it", at=ends - timedelta(seconds=1)).answer.away_until == "2030-03-10"
    assert lite.lookup("it", at=ends).answer.away_until is None


def test_away_without_a_delegate_sends_lookups_to_the_first_backup(lite):
    reply = lite.say("noah", "away until 2030-03-10")

    assert text(reply) == ("You are marked away until 2030-03-10. "
                           "Lookups send people to your backups meanwhile.")
    answer = lite.lookup("passwords").answer
    assert answer.away_until == "2030-03-10" and answer.cover.email == "dan@acme.test"


def test_away_in_a_time_zone_east_of_utc_ends_at_the_start_of_their_day(lite):
    lite.say("alice", "away until 2030-04-01")

    ends = datetime(2030, 4, 1, tzinfo=ZoneInfo("Europe/Madrid"))
    assert lite.lookup("finance", at=ends - timedelta(seconds=1)).answer.away_until == "2030-04-01"
    assert lite.lookup("finance", at=ends).answer.away_until is None


def test_back_ends_the_absence_at_once(lite):
    lite.say("dan", "away until 2030-03-10 delegate @maya")
    lite.clock.now = NOW + timedelta(hours=1)

    reply = lite.say("dan", "back")

    assert text(reply) == "Welcome back: you are no longer marked away."
    answer = lite.lookup("it", at=lite.clock.now).answer
    assert answer.away_until is None and answer.cover is None
    # Looking back, dan was away until he came back.
    assert lite.lookup("it", at=NOW + timedelta(minutes=30)).answer.away_until == "2030-03-04"


def test_away_again_replaces_the_previous_absence(lite):
    lite.say("dan", "away until 2030-03-10 delegate @maya")
    lite.say("dan", "away until 2030-03-20")

    answer = lite.lookup("it").answer
    assert answer.away_until == "2030-03-20" and answer.cover.email == "noah@acme.test"
    with read_session(lite.engine) as session:
        current = session.execute(select(func.count()).select_from(Absence).where(Absence.ends_at > NOW)).scalar()
    assert current == 1


def test_away_for_someone_outside_the_directory_is_declined_politely(lite):
    reply = lite.say("UNOBODY", "away until 2030-03-10")

    assert reply.kind is ReplyKind.invalid
    assert text(reply) == ("You are not in the directory yet, so I can't do that for you: "
                           "ask an admin to add you.")


def test_a_member_marks_themselves_away_without_any_permission(lite):
    before = counts(lite.engine)

    assert lite.say("bob", "away until 2030-03-10").note == "away_set"
    assert grown(before, counts(lite.engine)) == {"Absence": 1, "AuditEntry": 1}
    [entry] = audit_entries(lite.engine, "person.away")
    assert entry.actor == "bob@acme.test"


# --- subscriptions -------------------------------------------------------------------------

def test_a_channel_subscribes_to_a_topic_once_however_often_it_asks(lite):
    reply = lite.say("U0GRACE", "subscribe payments", channel="C0X")
    lite.say("U0GRACE", "subscribe billing", channel="C0X")

    assert text(reply) == "This channel will hear about changes to Payments."
    with read_session(lite.engine) as session:
        rows = session.execute(select(Subscription)).scalars().all()
    assert [(s.platform, s.channel, s.target_kind, s.target) for s in rows] == [
        ("slack", "C0X", "topic", str(topic_id(lite.engine, "Payments")))]


def test_a_channel_subscribes_to_a_tag_or_to_everything(lite):
    assert text(lite.say("U0GRACE", "subscribe tag finance", channel="C0X")) == (
        "This channel will hear about changes to #finance.")
    assert lite.say("U0GRACE", "subscribe all", channel="C0X").note == "subscribed"
    with read_session(lite.engine) as session:
        rows = session.execute(select(Subscription.target_kind, Subscription.target)).all()
    assert sorted(rows) == [("all", ""), ("tag", "finance")]


def test_unsubscribe_drops_one_subscription_or_all_of_a_channels(lite):
    for what in ("payments", "legal", "all"):
        lite.say("U0GRACE", f"subscribe {what}", channel="C0X")
    lite.say("U0GRACE", "subscribe legal", channel="C0Y")

    reply = lite.say("U0GRACE", "unsubscribe payments", channel="C0X")
    assert text(reply) == "This channel will no longer hear about changes to Payments."
    assert lite.say("U0GRACE", "unsubscribe", channel="C0X").note == "unsubscribed_all"

    with read_session(lite.engine) as session:
        rows = session.execute(select(Subscription.channel, Subscription.target_kind)).all()
    assert rows == [("C0Y", "topic")]


# --- mine ----------------------------------------------------------------------------------

def test_mine_lists_the_topics_i_am_poc_or_backup_for(lite):
    reply = lite.say("alice", "mine")

    assert text(reply) == "\n".join([
        "Your topics:",
        "• *Finance* (POC)",
        "• *Payments* (backup)",
        "• *Payroll* (backup)",
        "• *Tax* (POC)",
    ])


def test_mine_from_slack_uses_the_linked_person(lite):
    assert "• *People* (POC)" in text(lite.say("U0CAROL", "mine"))


def test_mine_with_nothing_held_says_so(lite):
    assert text(lite.say("grace", "mine")) == "You are not the POC or a backup for any topic."


def test_mine_follows_handovers_and_ignores_scheduled_ones_until_their_day(lite):
    lite.say("alice", "assign payments @carol")
    lite.say("alice", "assign tax @quinn from 2030-03-11")

    assert "Payments" in text(lite.say("carol", "mine"))
    assert "Payments" not in text(lite.say("bob", "mine"))
    assert "Tax" not in text(lite.say("quinn", "mine"))
    lite.clock.now = datetime(2030, 3, 11, tzinfo=ZoneInfo("Europe/Madrid"))
    assert "• *Tax* (POC)" in text(lite.say("quinn", "mine"))


# --- rendering -----------------------------------------------------------------------------

SCRIPT = [
    ("grace", "assign payments @carol because Bob moves to Tax", None),
    ("grace", "assign expenses @dan as backup", None),
    ("grace", "unassign expenses @dan", None),
    ("grace", "unassign marketing @olivia", None),
    ("grace", "assign legal @kate from 2030-03-11", None),
    ("grace", "assign legal @luis from 2030-03-12", None),
    ("grace", "assign payments @carol", None),
    ("grace", "assign payments @carol as backup", None),
    ("grace", "assign payments @alice as backup", None),
    ("grace", "unassign payments @dan", None),
    ("grace", "assign paymnts @dan", None),
    ("grace", "assign xyzzy @dan", None),
    ("grace", "assign payments @zed", None),
    ("grace", "assign payments @dan from someday", None),
    ("grace", "assign payments @dan from 2030-01-01", None),
    ("grace", "assign", None),
    ("grace", "assign payments", None),
    ("grace", "unassign", None),
    ("grace", "topic", None),
    ("grace", "topic add Treasury parent Finance", None),
    ("grace", "topic add Treasury", None),
    ("grace", "topic alias Treasury cash", None),
    ("grace", "topic rename Treasury to Cash Management", None),
    ("grace", "topic remove Cash Management", None),
    ("grace", "topic remove Finance", None),
    ("grace", "history payments", None),
    ("grace", "history corporate cards", None),
    ("grace", "mine", None),
    ("alice", "mine", None),
    ("luis", "assign payments @dan", None),
    ("zed", "mine", None),
    ("dan", "away until 2030-03-10 delegate @maya", None),
    ("dan", "away until 2030-03-10 delegate @dan", None),
    ("dan", "away until someday", None),
    ("dan", "away", None),
    ("dan", "back", None),
    ("dan", "back", None),
    ("noah", "away until next friday", None),
    ("U0GRACE", "subscribe payments", "C0X"),
    ("U0GRACE", "subscribe tag finance", "C0X"),
    ("U0GRACE", "subscribe tag nosuchtag", "C0X"),
    ("U0GRACE", "subscribe all", "C0X"),
    ("U0GRACE", "unsubscribe payments", "C0X"),
    ("U0GRACE", "unsubscribe", "C0X"),
    ("grace", "subscribe payments", None),
]


def test_no_reply_in_any_language_leaves_a_placeholder_unfilled(lite):
    replies = [lite.say(who, command, channel=channel) for who, command, channel in SCRIPT]

    notes = {r.note for r in replies}
    assert {"assigned", "scheduled", "handover_clash", "refused", "history_title", "mine_title",
            "away_set_delegate", "subscribed"} <= notes
    assert "es" in languages()
    for language in languages():
        for reply in replies:
            rendered = render_text(dataclasses.replace(reply, lang=language))
            assert rendered and not PLACEHOLDER.search(rendered), (language, reply.note, rendered)
            assert not PLACEHOLDER.search(render_text(dataclasses.replace(reply, lang=language), STYLE))


def test_the_spanish_catalogue_has_every_english_key_with_the_same_placeholders():
    english, spanish = catalogue("en"), catalogue("es")

    assert sorted(set(english) - set(spanish)) == []
    for key, text_ in english.items():
        assert set(PLACEHOLDER.findall(text_)) == set(PLACEHOLDER.findall(spanish[key])), key


def test_a_bot_set_to_spanish_answers_commands_in_spanish(sqlite_store):
    chat = Chat(sqlite_store, language="es")

    reply = chat.say("grace", "asignar pagos @carol porque Bob se va")

    assert reply.lang == "es" and reply.note == "assigned"
    assert text(reply) == render_text(dataclasses.replace(reply, lang="es"))
    assert text(reply) != render_text(dataclasses.replace(reply, lang="en"))
    assert poc(chat, "payments") == "carol@acme.test"


def test_a_topic_name_with_a_channel_ping_is_escaped_for_slack(lite):
    reply = lite.say("grace", "topic add Launch <!channel> parent Payments")

    assert reply.note == "topic_added"
    slack = render_text(reply, STYLE)
    assert "<!channel>" not in slack and "&lt;!channel&gt;" in slack
    assigned = render_text(lite.say("grace", "assign launch <!channel> <@U0CAROL>"), STYLE)
    assert "<!channel>" not in assigned and "&lt;!channel&gt;" in assigned
    assert "<@U0CAROL>" in assigned  # people are still mentioned


def test_a_question_echoed_back_in_a_did_you_mean_is_escaped_for_slack(lite):
    slack = render_text(lite.say("grace", "assign <!here> everyone @carol"), STYLE)

    assert "<!here>" not in slack and "&lt;!here&gt;" in slack


@pytest.mark.parametrize("command", ["subscribe", "history", "stats"])
def test_a_topic_argument_of_2000_characters_is_refused_briefly_and_changes_nothing(lite, command):
    before = counts(lite.engine)

    reply = lite.say("U0GRACE", f"{command} " + "payroll travel laptop " * 90, channel="C0X")

    assert reply.kind is ReplyKind.invalid and reply.note in ("topic_unknown", "topic_did_you_mean")
    assert len(reply.values["query"]) <= 100  # quoted back cut short, not whole
    assert counts(lite.engine) == before
