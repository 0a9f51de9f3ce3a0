"""The Slack adapter end to end: signed HTTP requests in, Slack Web API calls out."""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.i18n import t
from bot.understanding.text import topic_key
from integrations.slack import listeners
from integrations.slack.client import MAX_RETRIES
from store.db import read_session, write_session
from store.directory import bump_version
from store.models import Question, Topic, TopicAlias, TopicExample
from tests.fakes import slack_requests as sr
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi, Failure
from tests.fakes.slack_requests import Response, SlackSender
from tests.fakes.store import store_down
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, RunningApp, slack_id_of

HELP_FIRST_LINE = t("en", "help").splitlines()[0]
PAYROLL_QUESTION = "<@UBOT> who is the POC for payroll?"


def section_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def topic_id(engine: Engine, name: str) -> int:
    with read_session(engine) as session:
        return session.execute(select(Topic.id).where(Topic.name == name)).scalar_one()


def posts(fake: FakeSlackApi) -> list[dict[str, Any]]:
    """The bodies of the messages Slack accepted."""
    return [c.body for c in fake.calls("chat.postMessage") if c.ok]


def quiet(app: RunningApp, fake: FakeSlackApi) -> None:
    """Once the background work is done, nothing was posted."""
    app.drain()
    assert fake.calls("chat.postMessage") == []


# --- /poc ------------------------------------------------------------------

def test_poc_payroll_answers_ephemerally_in_the_ack_naming_poc_backups_and_channel(
    slack: SlackSender, fake_slack: FakeSlackApi, slack_engine: Engine
) -> None:
    answer = slack.command("payroll")

    assert answer.status == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    text = section_text(body["blocks"])
    assert "*Payroll*" in text
    assert "POC: <@U0QUINN>" in text
    assert "Backups: <@U0ALICE>" in text
    assert "Channel: <#C0FINANCE>" in text
    payroll = str(topic_id(slack_engine, "Payroll"))
    assert [(b["action_id"], b["value"]) for b in buttons(body["blocks"])] == [
        ("poc_share", f"{payroll}:en"), ("poc_ask", f"{payroll}:en"),
    ]
    assert fake_slack.calls("chat.postMessage") == []  # the ack itself carried the answer


def test_a_poc_without_a_slack_id_is_named_not_mentioned(slack: SlackSender) -> None:
    text = section_text(slack.command("vacation").json()["blocks"])

    assert "POC: Inés García" in text
    assert "<@" not in text


def test_an_ambiguous_question_offers_one_button_per_suggested_topic_and_names_nobody(
    slack: SlackSender, slack_engine: Engine
) -> None:
    body = slack.command("benefits").json()

    found = buttons(body["blocks"])
    assert [b["action_id"] for b in found] == [f"poc_pick_{n}" for n in range(len(found))]
    assert len(found) >= 2
    labels = {b["text"]["text"]: b["value"] for b in found}
    assert labels["Health Benefits"] == f"{topic_id(slack_engine, 'Health Benefits')}:en:benefits"
    assert labels["Pension Benefits"] == f"{topic_id(slack_engine, 'Pension Benefits')}:en:benefits"
    assert "POC:" not in body["text"] and "<@" not in body["text"]


@pytest.mark.parametrize("text", ["", "help"], ids=["empty", "help"])
def test_empty_and_help_commands_get_the_usage_reply(slack: SlackSender, text: str) -> None:
    answer = slack.command(text)

    assert answer.status == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert HELP_FIRST_LINE in body["text"]
    assert buttons(body["blocks"]) == []


def test_a_slack_length_message_is_read_and_answered_not_refused(slack: SlackSender) -> None:
    text = "Hi all, sorry for the long one. " * 300 + "Who is the POC for payroll?"
    body = slack.command(text).json()

    assert body["response_type"] == "ephemeral"
    assert t("en", "too_long") not in body["text"]
    assert t("en", "error") not in body["text"]


def test_a_spanish_question_gets_a_spanish_answer(slack: SlackSender) -> None:
    body = slack.command("¿quién es el punto de contacto para nómina?").json()

    assert "Punto de contacto: <@U0QUINN>" in body["text"]
    assert "Suplentes: <@U0ALICE>" in body["text"]
    assert buttons(body["blocks"])[0]["text"]["text"] == t("es", "button_share")


# --- the protocol ----------------------------------------------------------

def test_url_verification_gets_its_challenge_back(slack: SlackSender) -> None:
    answer = slack.post_json(sr.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"))

    assert answer.status == 200
    assert answer.json()["challenge"] == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"


def test_a_forged_signature_gets_401_and_calls_nothing(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    forged = "v0=" + "0" * 64
    command = slack.command("payroll", signature=forged)
    mention = slack.post_json(sr.event_callback(sr.app_mention(PAYROLL_QUESTION, user="U0QUINN")), signature=forged)

    assert (command.status, mention.status) == (401, 401)
    slack_app.drain()
    assert fake_slack.calls() == []


def test_a_correctly_signed_request_older_than_five_minutes_gets_401(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    answer = slack.command("payroll", timestamp=int(time.time()) - 6 * 60)

    assert answer.status == 401
    slack_app.drain()
    assert fake_slack.calls() == []


def test_healthz_returns_ok(slack: SlackSender) -> None:
    answer = slack.get("/healthz")

    assert answer.status == 200
    assert answer.json() == {"ok": True}


# --- mentions and direct messages ------------------------------------------

def test_a_mention_in_a_channel_gets_exactly_one_answer_in_its_thread(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    event = sr.app_mention(PAYROLL_QUESTION, user="U0QUINN", channel="C0GENERAL")

    assert slack.event(event).status == 200
    slack_app.drain()

    [post] = posts(fake_slack)
    assert (post["channel"], post["thread_ts"]) == ("C0GENERAL", event["ts"])
    assert "POC: <@U0QUINN>" in post["text"]
    assert "POC: <@U0QUINN>" in section_text(post["blocks"])
    assert [b["action_id"] for b in buttons(post["blocks"])] == ["poc_ask"]  # nothing to share: it is public


def test_a_mention_inside_a_thread_is_answered_in_that_thread(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    event = sr.app_mention(PAYROLL_QUESTION, user="U0QUINN", thread_ts="1709999999.000100")

    slack.event(event)
    slack_app.drain()

    [post] = posts(fake_slack)
    assert post["thread_ts"] == "1709999999.000100"


def test_a_direct_message_is_answered_in_the_dm(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    slack.event(sr.message("who owns payroll?", user="U0QUINN", channel="D0QUINN"))
    slack_app.drain()

    [post] = posts(fake_slack)
    assert post["channel"] == "D0QUINN"
    assert "POC: <@U0QUINN>" in post["text"]


@pytest.mark.parametrize("extra", [
    {"bot_id": "B0OTHER"},
    {"subtype": "bot_message", "bot_id": "B0OTHER", "username": "otherbot"},
    {"subtype": "message_changed", "hidden": True,
     "message": {"type": "message", "user": "U0QUINN", "text": "payroll?", "ts": "1709999999.000200"}},
], ids=["bot_id", "bot_message", "message_changed"])
def test_a_dm_from_a_bot_or_with_a_subtype_gets_no_answer(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi, extra: dict[str, Any]
) -> None:
    assert slack.event(sr.message("payroll?", user="U0QUINN", **extra)).status == 200
    quiet(slack_app, fake_slack)


def test_a_channel_message_without_a_mention_gets_no_answer(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    slack.event(sr.message("who owns payroll?", user="U0QUINN", channel="C0GENERAL", channel_type="channel"))
    quiet(slack_app, fake_slack)


# --- retries -----------------------------------------------------------------

def test_a_redelivered_event_that_was_answered_posts_nothing_more(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    event = sr.app_mention(PAYROLL_QUESTION, user="U0QUINN")
    slack.event(event, event_id="Ev0RETRY01")
    slack_app.drain()

    again = slack.event(event, event_id="Ev0RETRY01", retry=1)
    slack_app.drain()

    assert again.status == 200
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_a_redelivered_event_whose_first_answer_failed_for_good_is_answered(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    fake_slack.fail("chat.postMessage", *[Failure(500)] * (MAX_RETRIES + 1))
    event = sr.app_mention(PAYROLL_QUESTION, user="U0QUINN")
    slack.event(event, event_id="Ev0RETRY02")
    slack_app.drain(timeout=20)
    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [500] * (MAX_RETRIES + 1)

    slack.event(event, event_id="Ev0RETRY02", retry=1)
    slack_app.drain()

    [post] = posts(fake_slack)
    assert post["thread_ts"] == event["ts"]
    assert "POC: <@U0QUINN>" in post["text"]


def test_a_post_failing_with_500_then_429_is_retried_and_arrives_once(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    fake_slack.fail("chat.postMessage", Failure(500), Failure(429, "ratelimited", retry_after=0))

    slack.event(sr.app_mention(PAYROLL_QUESTION, user="U0QUINN"))
    slack_app.drain()

    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [500, 429, 200]
    assert len(posts(fake_slack)) == 1
    assert "POC: <@U0QUINN>" in slack.command("payroll").json()["text"]  # still serving


# --- who is asking -------------------------------------------------------------

def test_a_user_known_only_by_email_is_linked_and_not_looked_up_again(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi, slack_engine: Engine
) -> None:
    assert slack_id_of(slack_engine, "carol@acme.test") is None

    slack.event(sr.message("who owns payroll?", user="U0CAROL", channel="D0CAROL"))
    slack_app.drain()
    assert slack_id_of(slack_engine, "carol@acme.test") == "U0CAROL"

    slack.event(sr.message("who owns vacation?", user="U0CAROL", channel="D0CAROL"))
    slack.command("tax", user="U0CAROL")
    slack_app.drain()
    assert [c.body["user"] for c in fake_slack.calls("users.info")] == ["U0CAROL"]
    assert len(posts(fake_slack)) == 2


@pytest.mark.parametrize("user", ["U0ZED", "U0NOBODY"], ids=["email-not-in-directory", "unknown-to-slack"])
def test_a_user_not_in_the_directory_can_still_ask(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi, slack_engine: Engine, user: str
) -> None:
    slack.event(sr.message("who owns payroll?", user=user, channel="D0STRANGER"))
    slack_app.drain()

    [post] = posts(fake_slack)
    assert "POC: <@U0QUINN>" in post["text"]
    with read_session(slack_engine) as session:
        asked = session.execute(select(Question).where(Question.user_id == user)).scalars().all()
    assert [(q.person_id, q.outcome) for q in asked] == [(None, "answer")]


# --- buttons -------------------------------------------------------------------

def test_picking_a_suggestion_replaces_it_with_that_topics_answer(
    slack: SlackSender, fake_slack: FakeSlackApi, slack_engine: Engine
) -> None:
    health = str(topic_id(slack_engine, "Health Benefits"))

    assert slack.action("poc_lookup_0", health, label="Health Benefits").status == 200

    [call] = fake_slack.calls(RESPONSE_URL)
    assert call.path == "/response/T0ACME/1/abc"
    assert call.body["replace_original"] is True
    assert "*Health Benefits*" in call.body["text"]
    assert "POC: Carol Smith" in section_text(call.body["blocks"])


def test_a_spanish_asker_picking_a_suggestion_gets_the_answer_in_spanish(
    slack: SlackSender, fake_slack: FakeSlackApi, slack_engine: Engine
) -> None:
    [button, *_] = buttons(slack.command("¿con quién hablo sobre beneficios?").json()["blocks"])
    assert button["value"].split(":")[1] == "es"

    slack.action(button["action_id"], button["value"], label=button["text"]["text"])

    [call] = fake_slack.calls(RESPONSE_URL)
    assert "Punto de contacto:" in call.body["text"]


def test_a_close_call_offers_one_button_per_topic_and_a_pick_answers_and_teaches_it(
    slack: SlackSender, fake_slack: FakeSlackApi, slack_engine: Engine
) -> None:
    body = slack.command("benefits", user="U0ALICE").json()
    picks = [b for b in buttons(body["blocks"]) if b["action_id"].startswith("poc_pick_")]
    assert sorted(b["text"]["text"] for b in picks) == ["Health Benefits", "Pension Benefits"]
    assert "POC:" not in body["text"]  # a close call names nobody until a topic is picked
    health = next(b for b in picks if b["text"]["text"] == "Health Benefits")
    assert health["value"].endswith(":en:benefits")

    slack.action(health["action_id"], health["value"], label="Health Benefits", user="U0ALICE")

    [call] = fake_slack.calls(RESPONSE_URL)
    assert "POC: Carol Smith" in call.body["text"]
    with read_session(slack_engine) as session:
        taught = session.execute(select(TopicExample.text, TopicExample.source)).all()
    assert [tuple(row) for row in taught] == [("benefits", "picked")]


def test_a_forged_button_value_gets_a_polite_answer(slack: SlackSender, fake_slack: FakeSlackApi) -> None:
    assert slack.action("poc_lookup_0", "'; DROP TABLE topic; --", label="x").status == 200

    [call] = fake_slack.calls(RESPONSE_URL)
    assert "POC:" not in call.body["text"]


def test_share_posts_the_answer_in_channel_via_the_response_url(
    slack: SlackSender, fake_slack: FakeSlackApi, slack_engine: Engine
) -> None:
    slack.action("poc_share", str(topic_id(slack_engine, "Payroll")), label="Share in channel", user="U0ALICE")

    [call] = fake_slack.calls(RESPONSE_URL)
    assert call.body["response_type"] == "in_channel"
    assert "POC: <@U0QUINN>" in call.body["text"]
    assert "Shared by <@U0ALICE>" in json.dumps(call.body["blocks"])
    assert buttons(call.body["blocks"]) == []


def test_ask_opens_a_form_for_the_question_addressed_to_the_poc(
    slack: SlackSender, fake_slack: FakeSlackApi, slack_engine: Engine
) -> None:
    payroll = topic_id(slack_engine, "Payroll")
    answer = slack.action("poc_ask", f"{payroll}:en", label="Ask Quinn Adams", channel="C0GENERAL")

    assert answer.status == 200
    [call] = fake_slack.calls("views.open")
    view = call.body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "poc_ask_modal"
    assert view["private_metadata"] == f"{payroll}:en:C0GENERAL"
    assert "Quinn Adams" in view["blocks"][0]["label"]["text"]
    assert fake_slack.calls(RESPONSE_URL) == []


def test_submitting_the_form_asks_and_confirms_only_to_the_asker(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi, slack_engine: Engine
) -> None:
    payroll = topic_id(slack_engine, "Payroll")
    values = {"question": {"text": {"type": "plain_text_input", "value": "Can I change my bank account?"}}}
    answer = slack.view_submission("poc_ask_modal", user="U0ALICE", private_metadata=f"{payroll}:en:C0GENERAL",
                                   values=values)

    assert answer.status == 200 and answer.body in (b"", b"{}")  # the form closes
    [call] = fake_slack.calls("chat.postEphemeral")
    assert call.body["user"] == "U0ALICE" and "Asked <@U0QUINN> about *Payroll*" in call.body["text"]


@pytest.mark.parametrize("metadata, question", [("{payroll}:en:C0GENERAL", "   "), ("forged", "hello?")])
def test_an_empty_or_forged_form_is_refused_in_the_form(
    slack: SlackSender, fake_slack: FakeSlackApi, slack_engine: Engine, metadata: str, question: str
) -> None:
    values = {"question": {"text": {"type": "plain_text_input", "value": question}}}
    meta = metadata.format(payroll=topic_id(slack_engine, "Payroll"))
    answer = slack.view_submission("poc_ask_modal", user="U0ALICE", private_metadata=meta, values=values)

    assert answer.status == 200
    assert answer.json()["response_action"] == "errors" and answer.json()["errors"]["question"]
    assert fake_slack.calls("chat.postEphemeral") == []


# --- App Home -------------------------------------------------------------------

def test_opening_app_home_publishes_the_persons_assignments_and_recent_questions(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    slack.command("who owns payroll?", user="U0QUINN")
    slack_app.drain()

    slack.event(sr.app_home_opened("U0QUINN"))
    slack_app.drain()

    [call] = fake_slack.calls("views.publish")
    assert call.body["user_id"] == "U0QUINN"
    view = call.body["view"]
    assert view["type"] == "home"
    shown = section_text(view["blocks"])
    assert "*Payroll* (POC)" in shown
    assert "*Finance* (backup)" in shown
    assert "who owns payroll? → *Payroll*" in shown


# --- no pings, no leaks ------------------------------------------------------------

def test_channel_and_here_in_a_question_are_never_echoed_as_pings(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    slack.event(sr.app_mention("<@UBOT> <!channel> who is the POC for payroll? <!here>", user="U0QUINN"))
    slack.event(sr.message("<!here|here> who owns <!channel> xyzzy?", user="U0QUINN"))
    command = slack.command("<!everyone> frobnicator <!here>")
    slack_app.drain()

    sent = [json.dumps(p) for p in posts(fake_slack)] + [command.body.decode()]
    assert len(sent) == 3
    for text in sent:
        assert "<!" not in text


def test_a_topic_named_like_a_channel_ping_is_rendered_escaped(
    slack: SlackSender, fake_slack: FakeSlackApi, slack_engine: Engine
) -> None:
    with write_session(slack_engine) as session:
        topic = Topic(name="<!channel>", key=topic_key("<!channel>"), description="Pings <!here>")
        session.add(topic)
        session.flush()
        session.add(TopicAlias(topic_id=topic.id, alias="all hands ping", key=topic_key("all hands ping")))
        bump_version(session=session)

    command = slack.command("all hands ping")
    slack.action("poc_lookup_0", str(topic.id), label="<!channel>")

    [picked] = fake_slack.calls(RESPONSE_URL)
    for text in (command.json()["text"], section_text(command.json()["blocks"]), picked.body["text"]):
        assert "*&lt;!channel&gt;*" in text
        assert "&lt;!here&gt;" in text
        assert "<!" not in text


def test_tokens_never_appear_in_logs(
    redacting_logs: pytest.LogCaptureFixture, slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    slack.command("payroll", user="U0CAROL")  # a stranger: users.info is called
    slack.event(sr.app_mention(PAYROLL_QUESTION, user="U0NOBODY"))
    slack_app.drain()
    assert fake_slack.wait_for("users.info", 2)
    # A canary: a library that did log the token is what the filter must catch.
    logging.getLogger("slack_sdk.web.async_client").debug("Authorization: Bearer %s", BOT_TOKEN)

    records = redacting_logs.records
    assert any(r.name.startswith("slack_sdk") for r in records)  # the client's DEBUG lines were captured
    assert any(r.getMessage() == "Authorization: Bearer xoxb-[redacted]" for r in records)
    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert not [r for r in records if secret in r.getMessage()]
        assert secret not in redacting_logs.text


# --- operations ----------------------------------------------------------------------

def test_every_request_is_acknowledged_before_slow_background_work_finishes(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi
) -> None:
    # Slack does not answer these until the block ends: an ack that waited for one would never
    # come (the sender gives up after 10 s), whatever the machine's speed.
    with fake_slack.holding("chat.postMessage", "users.info"):
        mention: Response = slack.event(sr.app_mention(PAYROLL_QUESTION, user="U0QUINN"))
        command: Response = slack.command("payroll", user="U0CAROL")  # linking Carol is slow work too

        assert mention.status == command.status == 200
        assert "POC: <@U0QUINN>" in command.json()["text"]  # the answer itself, in the ack
        fake_slack.wait_held("chat.postMessage")  # the mention's answer is on its way, unanswered
        fake_slack.wait_held("users.info")  # Carol is being linked, after her answer
    assert len(fake_slack.wait_for("chat.postMessage", 1)) == 1
    slack_app.drain()
    assert slack_id_of(slack_app.bot.engine, "carol@acme.test") == "U0CAROL"


def test_a_slow_store_gets_a_holding_ack_and_the_answer_follows_via_the_response_url(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    handle = slack_app.bot.handle

    def stalled(request):  # type: ignore[no-untyped-def]
        release.wait(5)  # the store is stuck until the test lets it go
        return handle(request)

    monkeypatch.setattr(listeners, "ACK_BUDGET_SECONDS", 0.2)
    monkeypatch.setattr(slack_app.bot, "handle", stalled)

    ack = slack.command("payroll").json()
    assert "Still looking" in ack["text"]
    assert fake_slack.calls(RESPONSE_URL) == []

    release.set()
    [call] = fake_slack.wait_for(RESPONSE_URL, 1)
    assert "POC: <@U0QUINN>" in call.body["text"]


def test_when_the_channel_will_not_take_the_confirmation_it_comes_as_a_dm(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi, slack_engine: Engine
) -> None:
    fake_slack.fail("chat.postEphemeral", Failure(status=200, error="channel_not_found"))
    payroll = topic_id(slack_engine, "Payroll")
    values = {"question": {"text": {"type": "plain_text_input", "value": "Can I change my bank account?"}}}
    answer = slack.view_submission("poc_ask_modal", user="U0ALICE", private_metadata=f"{payroll}:en:C0GONE",
                                   values=values)

    assert answer.status == 200
    dm = [c for c in fake_slack.calls("chat.postMessage") if c.body["channel"] == "U0ALICE"]
    assert len(dm) == 1 and "Asked <@U0QUINN>" in dm[0].body["text"]


# --- the store unavailable ---------------------------------------------------------------

@pytest.mark.parametrize("event", [
    sr.app_mention(PAYROLL_QUESTION, user="U0QUINN", channel="C0GENERAL"),
    sr.app_mention("<@UBOT> history payroll", user="U0QUINN", channel="C0GENERAL"),
    sr.message("who owns payroll?", user="U0QUINN", channel="D0QUINN"),
], ids=["mention", "mentioned-command", "dm"])
def test_a_message_while_the_store_is_down_gets_one_apology(
    slack: SlackSender, slack_app: RunningApp, fake_slack: FakeSlackApi, slack_engine: Engine,
    event: dict[str, Any],
) -> None:
    with store_down(slack_engine):
        assert slack.event(event).status == 200
        slack_app.drain()

    [post] = posts(fake_slack)
    assert post["channel"] == event["channel"]
    assert post["text"] == t("en", "error")


def test_a_slash_command_while_the_store_is_down_gets_an_apology(
    slack: SlackSender, slack_app: RunningApp, slack_engine: Engine,
) -> None:
    with store_down(slack_engine):
        answer = slack.command("history payroll")
        slack_app.drain()

    assert answer.status == 200
    assert answer.json()["text"] == t("en", "error")
