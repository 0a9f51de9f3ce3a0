"""Asking a POC: the inquiry, its introduction, and the buttons and replies that settle it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.jobs import run_dispatch
from bot.messages import Actor, ReplyKind, Request
from bot.notices import notice_actions, render_notice
from bot.delivery import Delivered
from bot.render import render_text
from store import inquiries
from store.db import read_session, write_session
from store.directory import bump_version
from store.models import Inquiry, OutboxMessage, Person, Question, Topic, TopicPolicy
from tests.harness import NOW, Clock, load_demo, race

GRACE = Actor("slack", "U0GRACE")  # admin
CAROL = Actor("slack", "U0CAROL")  # POC of Recruiting (backup: Rosa)
QUESTION = "How do I post a job opening?"


@pytest.fixture
def bot(sqlite_engine: Engine) -> Bot:
    return Bot(load_demo(sqlite_engine), clock=Clock(NOW))


def as_person(engine: Engine, email: str) -> Actor:
    with read_session(engine) as session:
        person = session.execute(select(Person).where(Person.email == email)).scalar_one()
        return Actor("console", email, person.name, email, person.id)


def said(bot: Bot, actor: Actor, text: str):
    return bot.handle(Request(text, actor))


def rows(engine: Engine, kind: str | None = None) -> list[OutboxMessage]:
    with read_session(engine) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.execute(query).scalars())


def only_inquiry(engine: Engine) -> Inquiry:
    with read_session(engine) as session:
        return session.execute(select(Inquiry)).scalar_one()


def act(bot: Bot, actor: Actor, inquiry_id: int, action: str):
    """A button click; its reply is rendered, so a missing catalogue text fails here."""
    reply = bot.inquiry_action(actor, inquiry_id, action)
    assert reply.kind is not ReplyKind.error and render_text(reply)
    return reply


def ask(bot: Bot, actor: Actor = GRACE, text: str = f"ask Recruiting {QUESTION}"):
    reply = said(bot, actor, text)
    assert reply.kind is ReplyKind.done, render_text(reply)
    return reply


def test_ask_opens_an_inquiry_and_introduces_asker_and_poc_in_a_group_dm(bot: Bot) -> None:
    reply = ask(bot)
    assert reply.note == "ask_sent_group"
    assert "Carol Smith" in render_text(reply)
    inquiry = only_inquiry(bot.engine)
    assert (inquiry.question, inquiry.status, inquiry.asker_user_id) == (QUESTION, "open", "U0GRACE")
    assert inquiry.next_nudge_at is not None and inquiry.target_at == inquiry.next_nudge_at
    [intro] = rows(bot.engine, "inquiry_intro")
    assert (intro.platform, intro.address) == ("slack", "U0GRACE,U0CAROL")
    assert intro.payload["shared"] is True and intro.payload["question"] == QUESTION
    text = render_notice(intro)
    assert QUESTION in text and "Recruiting" in text
    assert [a.id for a in notice_actions(intro)] == [
        "inquiry_answered", "inquiry_on_it", "inquiry_hand_off", "inquiry_resolved", "inquiry_more_help"]


@pytest.mark.parametrize("text", [
    "ask Health Benefits is dental included?",
    'ask "Health Benefits" is dental included?',
    "ask health benefits: is dental included?",
    "preguntar Health Benefits is dental included?",
])
def test_a_topic_of_several_words_is_found_at_the_start(bot: Bot, text: str) -> None:
    ask(bot, text=text)
    inquiry = only_inquiry(bot.engine)
    with read_session(bot.engine) as session:
        assert session.get(Topic, inquiry.topic_id).name == "Health Benefits"
    assert inquiry.question == "is dental included?"


@pytest.mark.parametrize("text, note", [
    ("ask", "usage_ask"),
    ("ask   ", "usage_ask"),
    ("ask Recruiting", "ask_no_question"),
    ("ask Recruting how do I post a job?", "topic_did_you_mean"),
    ("ask Zeppelins how do I fly one?", "topic_unknown"),
])
def test_bad_asks_say_what_to_do_and_write_nothing(bot: Bot, text: str, note: str) -> None:
    reply = said(bot, GRACE, text)
    assert reply.kind is ReplyKind.invalid and reply.note == note
    if note.startswith("topic_"):
        assert "Usage: `ask" in render_text(reply)
    assert rows(bot.engine) == []
    with read_session(bot.engine) as session:
        assert session.execute(select(Inquiry)).first() is None


def test_a_topic_with_nobody_says_so_offers_help_and_counts_the_gap(bot: Bot) -> None:
    with write_session(bot.engine) as session:
        session.add(Topic(name="Lost and Found", key="lost and found"))
        bump_version(session=session)
    reply = said(bot, GRACE, "ask Lost and Found where is my umbrella?")
    assert reply.note == "ask_no_poc"
    assert "Grace Lopez" in render_text(reply)  # an admin who can assign someone
    with read_session(bot.engine) as session:
        assert session.execute(select(Inquiry)).first() is None
        [gap] = session.execute(select(Question)).scalars()
    assert gap.outcome == "no_poc" and gap.text == "where is my umbrella?"


def test_a_ten_thousand_character_question_is_kept_whole_and_shortened_for_display(bot: Bot) -> None:
    question = ("word " * 2000).strip() + "?"
    assert len(question) > 9_999
    ask(bot, text=f"ask Recruiting {question}")
    assert only_inquiry(bot.engine).question == question
    [intro] = rows(bot.engine, "inquiry_intro")
    assert len(intro.payload["question"]) <= 2500 and intro.payload["question"].endswith("…")


def test_too_long_a_question_is_refused(bot: Bot) -> None:
    reply = said(bot, GRACE, "ask Recruiting " + "x" * 41_000)
    assert reply.note == "ask_too_long"


def test_asking_yourself_is_refused(bot: Bot) -> None:
    assert said(bot, CAROL, f"ask Recruiting {QUESTION}").note == "ask_self"


def test_an_away_poc_is_covered_by_the_first_backup_and_the_reply_says_so(bot: Bot) -> None:
    assert said(bot, CAROL, "away until 2030-03-20").kind is ReplyKind.done
    reply = ask(bot)
    text = render_text(reply)
    assert "Rosa Díaz" in text and "away until 2030-03-20" in text
    with read_session(bot.engine) as session:
        rosa = session.execute(select(Person).where(Person.email == "rosa@acme.test")).scalar_one()
    assert only_inquiry(bot.engine).assignee_person_id == rosa.id
    [intro] = rows(bot.engine, "inquiry_intro")
    assert intro.platform == "console"  # Rosa has no Slack account: a DM, not a group
    assert "is away" in render_notice(intro)


def test_buttons_are_for_the_right_people_and_a_second_click_changes_nothing(bot: Bot) -> None:
    ask(bot)
    inquiry_id = only_inquiry(bot.engine).id
    rosa = as_person(bot.engine, "rosa@acme.test")
    assert act(bot, GRACE, inquiry_id, "on_it").kind is ReplyKind.done  # an admin may
    outsider = act(bot, as_person(bot.engine, "dan@acme.test"), inquiry_id, "answered")
    assert outsider.note == "inquiry_unknown"  # an outsider learns nothing of who asked what
    assert act(bot, rosa, inquiry_id, "resolved").note == "inquiry_only_asker"
    assert act(bot, CAROL, inquiry_id, "answered").note == "inquiry_marked_answered"
    assert act(bot, CAROL, inquiry_id, "answered").note == "inquiry_already_answered"
    inquiry = only_inquiry(bot.engine)
    assert inquiry.status == "answered" and inquiry.next_nudge_at is None
    assert inquiry.first_response_at is not None
    updates = [(r.payload["event"], r.address) for r in rows(bot.engine, "inquiry_update")]
    assert updates == [("on_it", "U0GRACE"), ("answered", "U0GRACE")]  # no shared thread yet: a DM


def test_forged_inquiry_ids_and_actions_get_a_polite_answer(bot: Bot) -> None:
    assert act(bot, CAROL, 999, "answered").note == "inquiry_unknown"
    ask(bot)
    assert act(bot, CAROL, only_inquiry(bot.engine).id or 0, "explode").note == "inquiry_unknown"


def test_on_it_pauses_nudges_and_still_need_help_brings_them_back(bot: Bot) -> None:
    ask(bot)
    inquiry = only_inquiry(bot.engine)
    first_due = inquiry.next_nudge_at
    assert act(bot, CAROL, inquiry.id, "on_it").note == "inquiry_marked_on_it"
    assert act(bot, CAROL, inquiry.id, "on_it").note == "inquiry_on_it_already"
    paused = only_inquiry(bot.engine)
    assert paused.status == "acknowledged" and paused.next_nudge_at > first_due
    assert act(bot, GRACE, inquiry.id, "more_help").note == "inquiry_reopened"
    assert act(bot, GRACE, inquiry.id, "more_help").note == "inquiry_still_open"
    reopened = only_inquiry(bot.engine)
    assert reopened.status == "open" and reopened.snoozed_until is None
    assert reopened.next_nudge_at <= NOW + timedelta(days=1)


def test_the_asker_resolves_and_may_reopen(bot: Bot) -> None:
    ask(bot)
    inquiry_id = only_inquiry(bot.engine).id
    assert act(bot, GRACE, inquiry_id, "resolved").note == "inquiry_marked_resolved"
    assert act(bot, GRACE, inquiry_id, "resolved").note == "inquiry_already_resolved"
    assert only_inquiry(bot.engine).resolved_at is not None
    assert act(bot, GRACE, inquiry_id, "more_help").note == "inquiry_reopened"
    assert only_inquiry(bot.engine).status == "open"


def test_hand_off_moves_it_to_the_backup_once(bot: Bot) -> None:
    ask(bot)
    inquiry_id = only_inquiry(bot.engine).id
    assert act(bot, CAROL, inquiry_id, "hand_off").note == "inquiry_handed_off"
    assert act(bot, CAROL, inquiry_id, "hand_off").note == "inquiry_handed_already"
    rosa = as_person(bot.engine, "rosa@acme.test")
    assert only_inquiry(bot.engine).assignee_person_id == rosa.person_id
    [handoff] = rows(bot.engine, "inquiry_handoff")
    assert (handoff.platform, handoff.address) == ("console", "rosa@acme.test")
    assert "Carol Smith" in render_notice(handoff)
    assert act(bot, rosa, inquiry_id, "hand_off").note in ("inquiry_handed_off", "inquiry_no_backup")


def test_a_reply_in_the_thread_answers_it_only_from_the_poc_side(bot: Bot) -> None:
    ask(bot)
    inquiry_id = only_inquiry(bot.engine).id or 0
    with write_session(bot.engine) as session:
        inquiries.set_conversation(session=session, inquiry_id=inquiry_id, platform="slack",
                                   conversation="G0GROUP", thread="1700000000.000001")
    assert bot.inquiry_reply(GRACE, "G0GROUP", "1700000000.000001") is False  # the asker adds detail
    assert bot.inquiry_reply(CAROL, "G0GROUP", "1700000000.000999") is False  # another thread
    assert only_inquiry(bot.engine).status == "open"
    assert bot.inquiry_reply(CAROL, "G0GROUP", "1700000000.000001") is True
    assert only_inquiry(bot.engine).status == "answered"
    assert bot.inquiry_reply(CAROL, "G0GROUP", "1700000000.000001") is False  # already answered


def test_a_new_poc_takes_over_waiting_inquiries_and_both_are_told(bot: Bot) -> None:
    ask(bot)
    reply = said(bot, GRACE, "assign Recruiting ines@acme.test")
    assert reply.kind is ReplyKind.done, render_text(reply)
    ines = as_person(bot.engine, "ines@acme.test")
    assert only_inquiry(bot.engine).assignee_person_id == ines.person_id
    moved = {r.kind: r.address for r in rows(bot.engine) if r.kind.startswith("inquiry_moved")}
    assert moved == {"inquiry_moved_new": "ines@acme.test", "inquiry_moved_old": "U0CAROL"}


def test_mine_lists_what_waits_for_me_and_what_i_asked(bot: Bot) -> None:
    ask(bot)
    carol = render_text(said(bot, CAROL, "mine"))
    assert "Waiting for your answer" in carol and QUESTION in carol
    grace = render_text(said(bot, GRACE, "mine"))
    assert "Your questions" in grace and "Recruiting" in grace and "waiting" in grace


def test_delivering_the_introduction_makes_its_thread_the_inquirys(bot: Bot) -> None:
    ask(bot)

    class Landing:
        platform = "slack"

        def deliver(self, message):
            return Delivered("G0GROUP", "1700000000.000042")

    run_dispatch(engine=bot.engine, notifiers={"slack": Landing()}, now=NOW, worker="w")
    inquiry = only_inquiry(bot.engine)
    assert (inquiry.platform, inquiry.conversation, inquiry.thread) == ("slack", "G0GROUP", "1700000000.000042")


def test_two_clicks_at_once_settle_it_once(engine: Engine) -> None:
    bot = Bot(load_demo(engine), clock=Clock(NOW))
    ask(bot)
    inquiry_id = only_inquiry(engine).id or 0
    notes = race(lambda: act(bot, CAROL, inquiry_id, "answered").note)
    assert sorted(notes) == ["inquiry_already_answered"] * 3 + ["inquiry_marked_answered"]
    assert [r.payload["event"] for r in rows(engine, "inquiry_update")] == ["answered"]


def test_a_manager_sets_a_topics_own_nudges_and_asks_go_to_its_channel(bot: Bot) -> None:
    reply = said(bot, GRACE, "topic nudges People after 2h every 4h max 3 ask in channel")
    assert reply.note == "topic_nudges_set_channel", render_text(reply)
    assert "after 2h" in render_text(reply) and "every 4h, 3 times" in render_text(reply)
    ask(bot, text="ask People where is the org chart?")
    inquiry = only_inquiry(bot.engine)
    assert (inquiry.platform, inquiry.conversation) == ("slack", "C0PEOPLE")
    # Carol is in New York: 05:00 there now; two working hours from her 09:00 opening.
    assert inquiry.next_nudge_at == NOW + timedelta(hours=4 + 2)
    [intro] = rows(bot.engine, "inquiry_intro")
    assert intro.address == "C0PEOPLE"
    assert said(bot, GRACE, "topic nudges People default").note == "topic_nudges_set_dm"


@pytest.mark.parametrize("text, note", [
    ("topic nudges People", "usage_topic_nudges"),
    ("topic nudges People after soon", "bad_nudge_setting"),
    ("topic nudges People every 0m", "bad_nudge_setting"),
    ("topic nudges People max 99", "bad_nudge_setting"),
    ("topic nudges People ask in space", "bad_nudge_setting"),
    ("topic nudges Vacation ask in channel", "topic_no_channel"),
    ("topic nudges Peeple after 2h", "topic_did_you_mean"),
])
def test_bad_nudge_settings_are_explained_and_change_nothing(bot: Bot, text: str, note: str) -> None:
    assert said(bot, GRACE, text).note == note
    with read_session(bot.engine) as session:
        assert session.execute(select(TopicPolicy)).first() is None


def test_members_may_not_change_a_topics_nudges(bot: Bot) -> None:
    assert said(bot, as_person(bot.engine, "dan@acme.test"), "topic nudges People after 1h").kind is ReplyKind.refused


def test_a_person_on_both_platforms_is_reached_where_they_last_talked_or_chose(bot: Bot) -> None:
    with write_session(bot.engine) as session:  # Carol also uses Teams
        carol = session.execute(select(Person).where(Person.email == "carol@acme.test")).scalar_one()
        carol.teams_id = "29:1carol"
    teams_carol = Actor("teams", "29:1carol")
    assert said(bot, teams_carol, "mine").kind is ReplyKind.listing  # she writes from Teams (a read)
    bot.record(bot.identify(teams_carol), "vacation", said(bot, teams_carol, "vacation"))
    bot.flush()  # lookups note where people talk, in the log's batch write
    ask(bot)
    [intro] = rows(bot.engine, "inquiry_intro")
    assert (intro.platform, intro.address) == ("teams", "29:1carol")  # a DM where she is, not a Slack group

    assert said(bot, teams_carol, "notify via slack").note == "notify_set"
    assert act(bot, GRACE, only_inquiry(bot.engine).id, "more_help").kind is ReplyKind.done
    assert act(bot, GRACE, only_inquiry(bot.engine).id, "resolved").kind is ReplyKind.done
    [update] = [r for r in rows(bot.engine, "inquiry_update") if r.payload["event"] == "resolved"]
    assert (update.platform, update.address) == ("slack", "U0CAROL")


@pytest.mark.parametrize("text, note", [
    ("notify", "usage_notify"), ("notify via fax", "usage_notify"), ("notify via teams", "notify_no_account"),
    ("notify auto", "notify_auto"),
])
def test_notify_choices_are_checked(bot: Bot, text: str, note: str) -> None:
    assert said(bot, CAROL, text).note == note


def test_hand_off_goes_down_the_backups_and_never_back(bot: Bot) -> None:
    assert said(bot, GRACE, "assign Recruiting dan@acme.test as backup").kind is ReplyKind.done
    ask(bot)
    inquiry_id = only_inquiry(bot.engine).id or 0
    rosa, dan = as_person(bot.engine, "rosa@acme.test"), as_person(bot.engine, "dan@acme.test")
    assert act(bot, CAROL, inquiry_id, "hand_off").note == "inquiry_handed_off"
    assert act(bot, rosa, inquiry_id, "hand_off").note == "inquiry_handed_off"
    assert only_inquiry(bot.engine).assignee_person_id == dan.person_id
    assert act(bot, dan, inquiry_id, "hand_off").note == "inquiry_no_backup"


def test_an_asker_who_is_also_a_backup_does_not_answer_their_own_question(bot: Bot) -> None:
    rosa = Actor("slack", "U0ROSA")
    with write_session(bot.engine) as session:
        person = session.execute(select(Person).where(Person.email == "rosa@acme.test")).scalar_one()
        person.slack_id = "U0ROSA"
    ask(bot, actor=rosa)
    inquiry_id = only_inquiry(bot.engine).id or 0
    with write_session(bot.engine) as session:
        inquiries.set_conversation(session=session, inquiry_id=inquiry_id, platform="slack",
                                   conversation="G0GROUP", thread="1.1")
    assert bot.inquiry_reply(rosa, "G0GROUP", "1.1") is False
    assert only_inquiry(bot.engine).status == "open"


def test_a_reopened_question_is_nudged_again(bot: Bot) -> None:
    from bot.nudges import run_nudges

    ask(bot)
    first = only_inquiry(bot.engine).next_nudge_at
    assert run_nudges(engine=bot.engine, now=first).nudged == 1
    inquiry_id = only_inquiry(bot.engine).id or 0
    assert act(bot, CAROL, inquiry_id, "answered").kind is ReplyKind.done
    assert act(bot, GRACE, inquiry_id, "more_help").note == "inquiry_reopened"
    again = only_inquiry(bot.engine).next_nudge_at
    assert run_nudges(engine=bot.engine, now=again).nudged == 1
    assert len(rows(bot.engine, "inquiry_nudge")) == 2  # the second round is not taken for the first


def test_a_bad_setting_leaves_a_topics_nudges_as_they_were(bot: Bot) -> None:
    assert said(bot, GRACE, "topic nudges People after 2h").kind is ReplyKind.done
    assert said(bot, GRACE, "topic nudges People after 5h max 99").note == "bad_nudge_setting"
    with read_session(bot.engine) as session:
        assert session.get(TopicPolicy, only_topic_id(bot.engine, "People")).nudge_after_minutes == 120


def only_topic_id(engine: Engine, name: str) -> int:
    with read_session(engine) as session:
        return session.execute(select(Topic.id).where(Topic.name == name)).scalar_one()


def test_a_direct_introduction_carries_only_the_pocs_buttons_and_channels_render_as_links(bot: Bot) -> None:
    from integrations.slack.render import STYLE

    reply = said(bot, as_person(bot.engine, "carol@acme.test"), f"ask Payroll {QUESTION}")
    assert reply.note == "ask_sent_direct"  # Quinn has no Slack account: a DM, not a group
    [intro] = rows(bot.engine, "inquiry_intro")
    assert [a.id for a in notice_actions(intro)] == ["inquiry_answered", "inquiry_on_it", "inquiry_hand_off"]
    said(bot, GRACE, "topic nudges People ask in channel")
    assert "in a thread in <#C0PEOPLE>" in render_text(said(bot, GRACE, "ask People org chart?"), STYLE)


def test_two_on_it_clicks_at_once_tell_the_asker_once(engine: Engine) -> None:
    bot = Bot(load_demo(engine), clock=Clock(NOW))
    ask(bot)
    inquiry_id = only_inquiry(engine).id or 0
    notes = race(lambda: act(bot, CAROL, inquiry_id, "on_it").note)
    assert sorted(notes).count("inquiry_marked_on_it") == 1
    assert [r.payload["event"] for r in rows(engine, "inquiry_update")] == ["on_it"]


def test_dates_typed_by_someone_without_a_time_zone_use_the_companys(sqlite_engine: Engine) -> None:
    from bot.nudges import NudgePolicy

    evening = NOW + timedelta(hours=10)  # Monday 20:00 UTC: already Tuesday 05:00 in Tokyo
    bot = Bot(load_demo(sqlite_engine), clock=Clock(evening), nudge_policy=NudgePolicy(timezone="Asia/Tokyo"))
    with write_session(sqlite_engine) as session:
        carol = session.execute(select(Person).where(Person.email == "carol@acme.test")).scalar_one()
        carol.timezone = None
    assert "away until 2030-03-06" in render_text(said(bot, CAROL, "away until tomorrow"))  # UTC would say 03-05


def test_a_poc_asked_in_a_topic_channel_thread_keeps_getting_reminders_by_dm(bot: Bot) -> None:
    """They may not be in that channel (a mention there would not reach them)."""
    said(bot, GRACE, "topic nudges People ask in channel")
    said(bot, GRACE, "ask People org chart?")

    assert only_inquiry(bot.engine).conversation_person_id is None
