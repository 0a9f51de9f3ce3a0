"""Asking a POC over Slack, end to end: signed /poc ask, events and clicks in; the group DM,
nudges and escalations out through the outbox, the real notifier and the fake Web API,
with time driven by `now` (and once by `pocbot tick --at`)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.inquiry_actions import InquiryAction
from bot.jobs import run_dispatch, run_due
from bot.settings import Settings
from integrations.slack.notifier import SlackNotifier
from integrations.tasks import Background
from store.db import read_session, write_session
from store.models import Assignment, Inquiry, Person, Topic
from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi
from tests.fakes.slack_requests import SlackSender
from tests.harness import race
from tests.integrations.test_cli import pocbot
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, serving
from tests.slack.test_slack_assign import App, Clock, notifier, store  # noqa: F401 (fixtures)

UTC = timezone.utc
# Monday 2026-11-23 14:00 UTC: 09:00 in New York (Quinn opens), 23:00 in Tokyo (Hiro is asleep).
ASKED = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
QUESTION = "How do I change my bank account?"
MORE_IDS = {"hiro@acme.test": "U0HIRO", "erin@acme.test": "U0ERIN"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(ASKED)


@pytest.fixture
def org(store: Engine, fake_slack: FakeSlackApi) -> Engine:  # noqa: F811
    """Payroll (Quinn in New York, backup Alice) gets a channel; Tokyo (Hiro in Tokyo) is new."""
    fake_slack.emails.update({slack_id: email for email, slack_id in MORE_IDS.items()})
    with write_session(store) as session:
        for email, slack_id in MORE_IDS.items():
            session.execute(update(Person).where(Person.email == email).values(slack_id=slack_id))
        session.execute(update(Topic).where(Topic.name == "Payroll").values(channel="C0PAYROLL"))
        hiro = session.execute(select(Person.id).where(Person.email == "hiro@acme.test")).scalar_one()
        tokyo = Topic(name="Tokyo Office", key="tokyo office", channel="C0TOKYO")
        session.add(tokyo)
        session.flush()
        session.add(Assignment(topic_id=tokyo.id, person_id=hiro, kind="primary", starts_at=at("2026-01-01")))
    return store


@pytest.fixture
def served(org: Engine, clock: Clock, slack_settings: Settings) -> Iterator[tuple[App, str]]:
    bot, background = Bot(org, clock=clock), Background()
    with serving(bot, background, slack_settings, "pocbot-inquiries") as (loop, url):
        yield App(bot, background, loop), url


@pytest.fixture
def app(served: tuple[App, str]) -> App:
    return served[0]


@pytest.fixture
def slack(served: tuple[App, str], fake_slack: FakeSlackApi) -> SlackSender:
    return SlackSender(served[1], SIGNING_SECRET, fake_slack.response_url("T0ACME/1/abc"))


def ask(slack: SlackSender, app: App, text: str, user: str = "U0CAROL") -> str:
    answer = slack.command(text, user=user)
    assert answer.status == 200
    app.drain()
    return answer.json()["text"]


def tick(engine: Engine, notifier: SlackNotifier, now: datetime) -> None:  # noqa: F811
    run_due(engine=engine, notifiers={"slack": notifier}, now=now, worker="w1")


def posts(fake: FakeSlackApi) -> list[tuple[str, str]]:
    """(channel, text) of every message Slack accepted, in order."""
    return [(c.body["channel"], c.body["text"]) for c in fake.calls("chat.postMessage") if c.ok]


def nudges(fake: FakeSlackApi) -> list[str]:
    """Who each reminder was for: mentioned in the inquiry's conversation, else sent a DM."""
    found = []
    for channel, text in posts(fake):
        if text.startswith("Reminder"):
            named = re.match(r"Reminder \(\d+ of \d+\) for <@(\w+)>", text)
            found.append(named.group(1) if named else channel)
    return found


def reaching(fake: FakeSlackApi, user: str, group: tuple[str, set[str]]) -> list[str]:
    """The texts of the messages that notify a user: a DM to them, any post in a group DM
    they are in (group: its id and members), a mention of them anywhere else."""
    return [text for channel, text in posts(fake)
            if channel == user or (channel == group[0] and user in group[1]) or f"<@{user}>" in text]


def inquiry(engine: Engine, topic: str = "Payroll") -> Inquiry:
    with read_session(engine) as session:
        query = select(Inquiry).join(Topic, Topic.id == Inquiry.topic_id).where(Topic.name == topic)
        return session.execute(query).scalar_one()


def test_the_question_reaches_the_poc_in_a_group_dm_with_buttons(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
) -> None:
    assert ask(slack, app, f"ask Payroll {QUESTION}").startswith("Asked <@U0QUINN> about *Payroll* in a group DM")
    tick(org, notifier, ASKED)

    [opened] = fake_slack.calls("conversations.open")
    assert sorted(opened.body["users"].split(",")) == ["U0CAROL", "U0QUINN"]
    [(channel, text)] = posts(fake_slack)
    assert channel.startswith("G")  # the group DM conversations.open returned
    assert "<@U0CAROL> has a question for <@U0QUINN> about *Payroll*" in text and QUESTION in text
    [post] = fake_slack.calls("chat.postMessage")
    buttons = [e["action_id"] for e in _blocks(post.body)[1]["elements"]]
    assert buttons == ["poc_inquiry_answered", "poc_inquiry_on_it", "poc_inquiry_hand_off",
                       "poc_inquiry_resolved", "poc_inquiry_more_help"]
    found = inquiry(org)
    assert (found.platform, found.conversation) == ("slack", channel)
    assert found.thread is not None  # the introduction's ts: replies there answer it


def test_nudges_come_after_four_working_hours_in_each_pocs_own_time_zone(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
) -> None:
    ask(slack, app, f"ask Payroll {QUESTION}")  # Quinn, New York: 09:00 now
    ask(slack, app, "ask Tokyo Office Where do I pick up my badge?")  # Hiro, Tokyo: 23:00 now
    tick(org, notifier, ASKED)
    assert nudges(fake_slack) == []

    tick(org, notifier, at("2026-11-23 17:59"))  # 12:59 in New York
    assert nudges(fake_slack) == []
    tick(org, notifier, at("2026-11-23 18:00"))  # 13:00 in New York: four working hours
    assert nudges(fake_slack) == ["U0QUINN"]
    tick(org, notifier, at("2026-11-24 03:59"))  # 12:59 Tuesday in Tokyo; 22:59 Monday in New York
    assert nudges(fake_slack) == ["U0QUINN"]
    tick(org, notifier, at("2026-11-24 04:00"))  # 13:00 in Tokyo: 09:00-13:00 of Hiro's Tuesday
    assert nudges(fake_slack) == ["U0QUINN", "U0HIRO"]
    # Each reminder is posted in the inquiry's thread, naming the POC, where the asker follows it.
    conversations = {inquiry(org).conversation, inquiry(org, "Tokyo Office").conversation}
    assert {channel for channel, text in posts(fake_slack) if text.startswith("Reminder")} == conversations


def test_no_nudge_at_night_or_on_the_weekend(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
    clock: Clock,
) -> None:
    clock.now = at("2026-11-27 21:00")  # Friday 16:00 in New York: one working hour left
    ask(slack, app, f"ask Payroll {QUESTION}")
    for moment in ("2026-11-28 03:00", "2026-11-28 17:00", "2026-11-29 17:00", "2026-11-30 08:00",
                   "2026-11-30 16:59"):  # Friday night, Saturday, Sunday, Monday 03:00 and 11:59 in NY
        tick(org, notifier, at(moment))
    assert nudges(fake_slack) == []
    tick(org, notifier, at("2026-11-30 17:00"))  # Monday 12:00 in New York: 1 h Friday + 3 h Monday
    assert nudges(fake_slack) == ["U0QUINN"]


def test_a_reply_from_the_poc_in_the_thread_ends_the_nudging(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
) -> None:
    ask(slack, app, f"ask Payroll {QUESTION}")
    tick(org, notifier, ASKED)
    found = inquiry(org)
    thread = {"channel": found.conversation, "channel_type": "mpim", "thread_ts": found.thread}

    slack.event(sr.message("Also: my new bank is abroad", user="U0CAROL", **thread))  # the asker adds detail
    app.drain()
    assert inquiry(org).status == "open"
    # Answered in the thread and "also sent to the conversation": a reply all the same.
    slack.event(sr.message("Sure: Workday > Pay > Payment elections.", user="U0QUINN", subtype="thread_broadcast",
                           **thread))
    app.drain()
    assert inquiry(org).status == "answered" and inquiry(org).first_response_at is not None

    tick(org, notifier, at("2026-11-23 18:00"))
    tick(org, notifier, at("2026-11-26 18:00"))
    assert nudges(fake_slack) == []
    assert fake_slack.calls("chat.postMessage")[1:] == []  # and nothing answered the chatter itself


def test_unanswered_it_nudges_twice_then_asks_the_backup_then_the_channel(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
) -> None:
    ask(slack, app, f"ask Payroll {QUESTION}")
    for moment in ("2026-11-23 14:00", "2026-11-23 18:00", "2026-11-24 18:00", "2026-11-25 18:00",
                   "2026-11-26 18:00", "2026-11-27 18:00"):  # 13:00 in New York each working day
        tick(org, notifier, at(moment))
    steps = [(channel, text.split(":")[0]) for channel, text in posts(fake_slack)[1:]
             if channel != inquiry(org).conversation]
    assert steps == [
        ("U0ALICE", "<@U0QUINN> hasn't answered <@U0CAROL> on *Payroll* yet"),
        ("C0PAYROLL", "Nobody has answered <@U0CAROL> on *Payroll* yet"),
    ]
    in_thread = [text.split(":")[0] for channel, text in posts(fake_slack)[1:] if channel == inquiry(org).conversation]
    assert in_thread == ["Reminder (1 of 2) for <@U0QUINN>", "Reminder (2 of 2) for <@U0QUINN>",
                         "No answer yet", "Still no answer"]


def test_each_reminder_reaches_the_poc_once_in_the_group_dm_where_the_asker_sees_it(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
) -> None:
    ask(slack, app, f"ask Payroll {QUESTION}")  # Carol asks Quinn (New York)
    tick(org, notifier, ASKED)
    group = (inquiry(org).conversation or "", {"U0CAROL", "U0QUINN"})
    introduced = len(posts(fake_slack))

    for moment in ("2026-11-23 18:00", "2026-11-24 18:00"):  # 13:00 in New York: reminders 1 and 2
        tick(org, notifier, at(moment))
        run_dispatch(engine=org, notifiers={"slack": notifier}, now=at(moment), worker="w1")

    for user in ("U0QUINN", "U0CAROL"):  # one message per reminder, seen by both
        assert [text.split(":")[0] for text in reaching(fake_slack, user, group)[introduced:]] == [
            "Reminder (1 of 2) for <@U0QUINN>", "Reminder (2 of 2) for <@U0QUINN>"]
    reminders = [c.body for c in fake_slack.calls("chat.postMessage") if c.body["text"].startswith("Reminder")]
    assert all(body["thread_ts"] == inquiry(org).thread for body in reminders)  # in the inquiry's thread
    assert [e["action_id"] for e in _blocks(reminders[0])[1]["elements"]] == [
        "poc_inquiry_answered", "poc_inquiry_on_it", "poc_inquiry_hand_off"]


def test_after_a_handoff_the_new_poc_outside_the_group_dm_is_reminded_once_by_dm(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
) -> None:
    ask(slack, app, f"ask Payroll {QUESTION}")
    tick(org, notifier, ASKED)
    group = (inquiry(org).conversation or "", {"U0CAROL", "U0QUINN"})
    slack.action("poc_inquiry_hand_off", f"{inquiry(org).id}:en", user="U0QUINN")  # to Alice, the backup
    app.drain()
    tick(org, notifier, ASKED)
    handed = len(posts(fake_slack))

    for day in range(24, 27):  # 11:00 in Madrid, where Alice works
        tick(org, notifier, at(f"2026-11-{day} 10:00"))
        run_dispatch(engine=org, notifiers={"slack": notifier}, now=at(f"2026-11-{day} 10:00"), worker="w1")

    to_alice = [text for text in reaching(fake_slack, "U0ALICE", group) if "Reminder" in text or "reminded" in text]
    assert [text.split(":")[0] for text in to_alice] == ["Reminder (1 of 2)", "Reminder (2 of 2)"]
    in_group = [text for channel, text in posts(fake_slack)[handed:] if channel == group[0]]
    assert in_group[:2] == ["Still waiting: reminded Alice Moreno (1 of 2).",
                            "Still waiting: reminded Alice Moreno (2 of 2)."]  # the asker sees it


def test_an_assign_moves_the_waiting_question_to_the_new_poc_and_tells_both_once(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
) -> None:
    ask(slack, app, f"ask Payroll {QUESTION}")
    tick(org, notifier, ASKED)
    assert ask(slack, app, "assign Payroll <@U0HIRO>", user="U0GRACE").startswith("Done: <@U0HIRO> is now the POC")
    tick(org, notifier, ASKED)
    tick(org, notifier, ASKED)  # a second run finds nothing more to say

    with read_session(org) as session:
        hiro = session.execute(select(Person.id).where(Person.email == "hiro@acme.test")).scalar_one()
    assert inquiry(org).assignee_person_id == hiro
    assert posts(fake_slack)[1:] == [
        ("C0PAYROLL", "*Payroll* has a new POC: <@U0HIRO> (was <@U0QUINN>), set by <@U0GRACE>."),
        ("U0HIRO", "You are now the POC for *Payroll*. <@U0QUINN> held it before: ask them for context."),
        ("U0QUINN", "You are no longer the POC for *Payroll*: <@U0HIRO> takes over."),
        ("U0HIRO", "You are now the POC for *Payroll*, so 1 open question asked of <@U0QUINN> now waits for you."
                   " See it with `/poc mine`."),
        ("U0QUINN", "Your 1 open question on *Payroll* moved to <@U0HIRO>, the new POC."),
    ]


def test_buttons_answer_only_for_the_right_people(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
) -> None:
    ask(slack, app, f"ask Payroll {QUESTION}")
    value = f"{inquiry(org).id}:en"
    slack.action("poc_inquiry_answered", value, user="U0DAN")  # not in it: learns nothing
    slack.action("poc_inquiry_answered", value, user="U0CAROL")  # the asker: told who may
    slack.action("poc_inquiry_answered", value, user="U0QUINN")
    slack.action("poc_inquiry_answered", value, user="U0QUINN")
    texts = [c.body["text"] for c in fake_slack.calls(RESPONSE_URL)]
    assert texts == [
        "I can't find that question any more: it may have been removed.",
        "Only <@U0QUINN> (or the POC and backups of *Payroll*) can do that.",
        "Marked answered. Thanks for helping with *Payroll*!",
        "This was already marked answered.",
    ]
    assert all(c.body["response_type"] == "ephemeral" for c in fake_slack.calls(RESPONSE_URL))
    assert inquiry(org).status == "answered"


def test_pocbot_tick_at_sends_the_first_nudge_once_at_its_time(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi,
) -> None:
    ask(slack, app, f"ask Payroll {QUESTION}")
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake_slack.url, "SLACK_SIGNING_SECRET": "",
           "SLACK_APP_TOKEN": ""}
    for moment in ("2026-11-23T14:00:00+00:00", "2026-11-23T17:59:00+00:00", "2026-11-23T18:00:00+00:00",
                   "2026-11-23T18:01:00+00:00"):
        result = pocbot("tick", "--at", moment, db=Path(org.url.database or ""), env=env)
        assert result.returncode == 0, result.stderr
    assert nudges(fake_slack) == ["U0QUINN"]


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_two_schedulers_racing_on_postgresql_send_each_nudge_once(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
) -> None:
    for n in range(5):
        ask(slack, app, f"ask Payroll question {n}?")
    ask(slack, app, "ask Tokyo Office badge?")
    for moment in ("2026-11-23 18:00", "2026-11-24 04:00", "2026-11-24 18:00"):
        race(lambda m=moment: run_due(engine=org, notifiers={"slack": notifier}, now=at(m),
                                      worker=f"w-{id(object())}"), threads=2)
        # One message per recipient per run keeps each person's messages in order: drain the rest.
        while run_dispatch(engine=org, notifiers={"slack": notifier}, now=at(moment), worker="w0").claimed:
            pass
    assert sorted(nudges(fake_slack)) == ["U0HIRO"] + ["U0QUINN"] * 10


def _blocks(body: dict) -> list[dict]:
    import json

    blocks = body["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def test_app_home_and_mine_show_what_waits_for_the_poc_and_what_the_asker_asked(
    slack: SlackSender, app: App, fake_slack: FakeSlackApi,
) -> None:
    ask(slack, app, f"ask Payroll {QUESTION}")
    slack.event(sr.app_home_opened("U0QUINN"))
    app.drain()
    [call] = fake_slack.calls("views.publish")
    home = str(call.body["view"])
    assert "Questions waiting for you" in home and QUESTION in home and "<@U0CAROL>" in home

    mine = ask(slack, app, "mine", user="U0CAROL")
    assert "*Your questions:*" in mine and "*Payroll* to <@U0QUINN>: waiting" in mine


def test_a_settled_inquirys_message_loses_its_buttons(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi, notifier: SlackNotifier,  # noqa: F811
) -> None:
    ask(slack, app, f"ask Payroll {QUESTION}")
    tick(org, notifier, ASKED)
    [intro] = fake_slack.calls("chat.postMessage")
    found = inquiry(org)
    message = {"type": "message", "ts": found.thread, "text": intro.body["text"], "blocks": _blocks(intro.body)}
    slack.action("poc_inquiry_answered", f"{found.id}:en", user="U0QUINN", channel=found.conversation or "",
                 message=message)
    app.drain()
    [update] = fake_slack.calls("chat.update")
    blocks = _blocks(update.body)
    assert (update.body["channel"], update.body["ts"]) == (found.conversation, found.thread)
    assert [b["type"] for b in blocks] == ["section", "context"]
    assert blocks[1]["elements"][0]["text"] == "✓ Marked answered by <@U0QUINN>."



def test_every_inquiry_action_button_reaches_its_own_handler_and_no_other_id_is_taken(
    slack: SlackSender, app: App, org: Engine, fake_slack: FakeSlackApi,
) -> None:
    """The listener's ids come from InquiryAction: each one clicked by the asker gets its own answer."""
    ask(slack, app, f"ask Payroll {QUESTION}")
    value = f"{inquiry(org).id}:en"
    for action in InquiryAction:
        assert slack.action(f"poc_{action.button_id}", value, user="U0CAROL").status == 200
    assert slack.action("poc_inquiry_closed", value, user="U0CAROL").status == 404  # not a button of ours
    only_the_poc = "Only <@U0QUINN> (or the POC and backups of *Payroll*) can do that."
    said = dict(zip(InquiryAction, (c.body["text"] for c in fake_slack.calls(RESPONSE_URL)), strict=True))
    assert said == {
        InquiryAction.answered: only_the_poc, InquiryAction.on_it: only_the_poc,
        InquiryAction.resolved: "Glad it's sorted. Marked resolved.",
        InquiryAction.more_help: "Reopened: I'll remind <@U0QUINN> about *Payroll*.",
        InquiryAction.hand_off: only_the_poc,
    }
