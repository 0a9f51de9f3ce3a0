"""The Teams adapter end to end: Bot Framework activities in, connector calls out."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.i18n import t
from store.db import read_session
from store.models import TopicExample, Question, Subscription
from tests.fakes import teams_activities as ta
from tests.fakes.store import store_down
from tests.fakes.teams_connector import REPLY, Failure, FakeConnector
from tests.teams.conftest import (
    ALICE, BOB, CAROL, DAN, GRACE, QUINN, ZED, RunningTeams, references, teams_id_of, topic_id,
)

HELP_FIRST_LINE = t("en", "help").splitlines()[0].replace("*pocbot*", "**pocbot**")


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return card.get("actions", [])


def only_post(connector: FakeConnector):  # type: ignore[no-untyped-def]
    [call] = connector.posted()
    return call


# --- questions ----------------------------------------------------------------

def test_a_question_in_a_personal_chat_is_answered_with_a_card_naming_the_poc(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    activity = ta.message(ta.personal(BOB, teams.service_url), "who is the POC for payroll?")

    assert teams.post(activity).status == 201

    call = only_post(connector)
    assert (call.kind, call.conversation, call.activity_id) == (REPLY, f"a:1chat-{BOB.id}", activity["id"])
    assert call.text.splitlines()[:3] == [
        "**Payroll** — Salaries, payslips, overtime and bonuses in your pay, tax deductions, pay errors and "
        "changing your bank details", "POC: <at>Quinn Adams</at>",
        "Backups: <at>Alice Moreno</at>",
    ]
    # Alice's stored id is still the Entra object id from the import: Teams mentions by that too.
    assert call.card["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Quinn Adams</at>", "mentioned": {"id": QUINN.id, "name": "Quinn Adams"}},
        {"type": "mention", "text": "<at>Alice Moreno</at>", "mentioned": {"id": ALICE.aad, "name": "Alice Moreno"}},
    ]


def test_the_ask_button_opens_a_question_box_whose_send_carries_the_topic(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    teams.post(ta.message(ta.personal(BOB, teams.service_url), "payroll"))

    [ask] = buttons(only_post(connector).card)  # no Share: every Teams reply is seen by the conversation already
    assert (ask["type"], ask["title"]) == ("Action.ShowCard", "Ask Quinn Adams")
    [box] = ask["card"]["body"]
    assert (box["type"], box["id"]) == ("Input.Text", "question")
    [send] = ask["card"]["actions"]
    assert send["type"] == "Action.Submit"
    assert send["data"] == {"pocbot": "ask", "value": f"{topic_id(teams_engine, 'Payroll')}:en"}


def test_a_mention_in_a_channel_is_answered_in_its_thread(teams: RunningTeams, connector: FakeConnector) -> None:
    activity = ta.message(ta.in_channel(BOB, teams.service_url, thread="1700000000123"),
                          "who handles payments?", bot_mentioned=True)

    assert teams.post(activity).status == 201

    call = only_post(connector)
    assert call.conversation == f"{ta.CHANNEL};messageid=1700000000123"
    assert call.text.startswith("**Payments**")


def test_a_question_in_spanish_is_answered_in_spanish(teams: RunningTeams, connector: FakeConnector) -> None:
    teams.post(ta.message(ta.in_group_chat(BOB, teams.service_url), "¿quién es el punto de contacto para nómina?",
                          bot_mentioned=True))

    call = only_post(connector)
    assert call.conversation == ta.GROUP_CHAT
    assert "Quinn Adams" in call.text and "Suplentes" in call.text


def test_a_close_call_comes_as_one_action_per_topic_and_a_press_answers_and_teaches_it(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    teams.post(ta.message(ta.personal(BOB, teams.service_url), "benefits"))
    suggestions = buttons(only_post(connector).card)
    assert sorted(b["title"] for b in suggestions) == ["Health Benefits", "Pension Benefits"]
    assert all(b["type"] == "Action.Submit" and b["data"]["pocbot"] == "pick" for b in suggestions)
    assert all(b["data"]["query"] == "benefits" for b in suggestions)
    health = next(b for b in suggestions if b["title"] == "Health Benefits")

    teams.post(ta.submit(ta.personal(BOB, teams.service_url), health["data"]))

    answer = connector.posted()[-1]
    assert answer.text.startswith("**Health Benefits**")
    with read_session(teams_engine) as session:
        taught = session.execute(select(TopicExample.text, TopicExample.source)).all()
    assert [tuple(row) for row in taught] == [("benefits", "picked")]


def test_lookups_are_written_to_the_question_log(teams: RunningTeams, teams_engine: Engine) -> None:
    teams.post(ta.message(ta.personal(BOB, teams.service_url), "payroll"))
    teams.bot.flush()

    with read_session(teams_engine) as session:
        [question] = session.execute(select(Question)).scalars()
    assert (question.platform, question.user_id, question.outcome) == ("teams", BOB.id, "answer")


# --- who is who ------------------------------------------------------------------

def test_a_person_known_only_by_email_is_linked_through_the_roster_on_first_contact(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    teams.post(ta.message(ta.personal(CAROL, teams.service_url), "mine"))

    assert teams_id_of(teams_engine, "carol@acme.test") == CAROL.id
    [lookup] = connector.calls("member")
    assert lookup.activity_id == CAROL.id
    assert "not in the directory" not in only_post(connector).text


def test_the_user_principal_name_links_when_the_roster_has_no_email(
    teams: RunningTeams, teams_engine: Engine,
) -> None:
    teams.post(ta.message(ta.personal(DAN, teams.service_url), "mine"))

    assert teams_id_of(teams_engine, "dan@acme.test") == DAN.id


def test_an_imported_aad_object_id_is_replaced_by_the_bot_framework_id(
    teams: RunningTeams, teams_engine: Engine,
) -> None:
    teams.post(ta.message(ta.personal(ALICE, teams.service_url), "mine"))

    assert teams_id_of(teams_engine, "alice@acme.test") == ALICE.id


def test_someone_outside_the_directory_can_still_ask_but_not_change_anything(
    teams: RunningTeams, connector: FakeConnector,
) -> None:
    teams.post(ta.message(ta.personal(ZED, teams.service_url), "payroll"))
    teams.post(ta.message(ta.personal(ZED, teams.service_url), "away until 2031-01-01"))

    answer, refusal = connector.posted()
    assert answer.text.startswith("**Payroll**")
    assert refusal.text == t("en", "not_in_directory")
    assert len(connector.calls("member")) == 1  # a stranger is looked up once, not on every message


def test_a_mentioned_person_in_a_command_is_found_through_the_roster(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    text = f"assign Payroll {CAROL.at()} as backup because she covers Fridays"

    teams.post(ta.message(ta.in_channel(GRACE, teams.service_url), text, CAROL, bot_mentioned=True))

    assert teams_id_of(teams_engine, "carol@acme.test") == CAROL.id
    reply = only_post(connector)
    assert reply.text.startswith("Done") and "<at>Carol Smith</at>" in reply.text
    assert {"id": CAROL.id, "name": "Carol Smith"} in [e["mentioned"] for e in reply.card["msteams"]["entities"]]


def test_subscribing_a_channel_stores_the_channel_not_the_thread(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    teams.post(ta.message(ta.in_channel(GRACE, teams.service_url), "subscribe Payments", bot_mentioned=True))

    with read_session(teams_engine) as session:
        [row] = session.execute(select(Subscription)).scalars()
    assert (row.platform, row.channel, row.target_kind) == ("teams", ta.CHANNEL, "topic")
    assert only_post(connector).text.startswith("This channel will hear about changes")


# --- conversation references -------------------------------------------------------

def test_installing_in_a_personal_chat_says_hello_and_keeps_the_reference(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    assert teams.post(ta.installed(ta.personal(BOB, teams.service_url))).status == 201

    assert only_post(connector).text.splitlines()[0] == HELP_FIRST_LINE
    kept = references(teams_engine)[BOB.id]
    assert (kept.conversation_id, kept.service_url, kept.tenant_id, kept.app_id) == (
        f"a:1chat-{BOB.id}", teams.service_url, ta.TENANT, "")


def test_installing_in_a_team_keeps_the_channel_quietly(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    activity = ta.installed(ta.in_channel(GRACE, teams.service_url))

    assert teams.post(activity).status == 201

    assert connector.posted() == []
    kept = references(teams_engine)[ta.CHANNEL]
    assert kept.conversation_id == ta.CHANNEL  # new posts start threads in the channel
    assert kept.reference["conversation"]["conversationType"] == "channel"


def test_a_message_in_a_thread_keeps_a_reference_to_the_channel_itself(
    teams: RunningTeams, teams_engine: Engine,
) -> None:
    teams.post(ta.message(ta.in_channel(BOB, teams.service_url, thread="17"), "payroll", bot_mentioned=True))

    assert references(teams_engine)[ta.CHANNEL].conversation_id == ta.CHANNEL


def test_removing_the_app_forgets_the_conversation(teams: RunningTeams, teams_engine: Engine) -> None:
    teams.post(ta.installed(ta.personal(BOB, teams.service_url)))

    teams.post({**ta.personal(BOB, teams.service_url, kind="installationUpdate"), "action": "remove"})

    assert BOB.id not in references(teams_engine)


# --- bad input ---------------------------------------------------------------------

def test_a_mention_with_no_question_gets_the_usage(teams: RunningTeams, connector: FakeConnector) -> None:
    teams.post(ta.message(ta.in_channel(BOB, teams.service_url), "", bot_mentioned=True))

    assert only_post(connector).text.splitlines()[0] == t("en", "empty").replace("`who", "‘who").replace("?`", "?’")


def test_a_message_with_no_text_gets_the_usage(teams: RunningTeams, connector: FakeConnector) -> None:
    activity = ta.personal(BOB, teams.service_url)  # an attachment alone, say

    assert teams.post(activity).status == 201

    assert only_post(connector).text.splitlines()[0] == t("en", "empty").replace("`who", "‘who").replace("?`", "?’")


@pytest.mark.parametrize("value", [
    {"pocbot": "lookup", "value": "not-a-number:en"},
    {"pocbot": "lookup"},
    {"pocbot": "lookup", "value": "999999:en"},
    {"pocbot": "launch_missiles", "value": "1:en"},
    {"value": "1:en"},
    "a string, not the object the card sent",
    ["a", "list"],
    {"pocbot": "inquiry_answered", "value": "-3:en"},
])
def test_a_forged_or_stale_button_gets_the_usage_not_an_error(
    teams: RunningTeams, connector: FakeConnector, value: Any,
) -> None:
    assert teams.post(ta.submit(ta.personal(BOB, teams.service_url), value)).status == 201

    assert only_post(connector).text.splitlines()[0] == t("en", "empty").replace("`who", "‘who").replace("?`", "?’")


def test_an_unknown_activity_type_is_ignored_quietly(teams: RunningTeams, connector: FakeConnector) -> None:
    assert teams.post(ta.personal(BOB, teams.service_url, kind="somethingNew")).status == 201
    assert teams.post(ta.personal(BOB, teams.service_url, kind="typing")).status == 201

    assert connector.posted() == []


def test_an_invoke_is_acknowledged_quietly(teams: RunningTeams, connector: FakeConnector) -> None:
    activity = {**ta.personal(BOB, teams.service_url, kind="invoke"), "name": "composeExtension/query", "value": {}}

    response = teams.post(activity)

    assert response.status == 200
    assert connector.posted() == []


def test_a_card_button_sent_as_an_invoke_is_answered_like_a_submit(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    value = {"pocbot": "lookup", "value": f"{topic_id(teams_engine, 'Payroll')}:en"}

    response = teams.post({**ta.personal(BOB, teams.service_url, kind="invoke"), "value": value})

    assert response.status == 200
    assert only_post(connector).text.startswith("**Payroll**")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"text": "no type"}'])
def test_a_body_that_is_not_an_activity_is_a_400(teams: RunningTeams, body: bytes) -> None:
    assert teams.post(None, raw=body).status == 400


def test_a_redelivered_message_is_answered_once(teams: RunningTeams, connector: FakeConnector) -> None:
    activity = ta.message(ta.personal(BOB, teams.service_url), "payroll")

    teams.post(activity)
    teams.post(activity)

    assert len(connector.posted()) == 1


def test_a_connector_failure_while_answering_is_an_apology_not_a_500(
    teams: RunningTeams, connector: FakeConnector,
) -> None:
    connector.fail(REPLY, Failure(502, "BadGateway"))

    assert teams.post(ta.message(ta.personal(BOB, teams.service_url), "payroll")).status == 201

    assert only_post(connector).text == t("en", "error")


def test_card_text_shows_commands_quoted_and_no_markdown_from_user_text() -> None:
    from integrations.teams.render import Mentions, card, card_text, escape

    text = card_text(card(f"Usage: `ask <topic>`\n> {escape('my `code` *here*')}", [], Mentions()))
    assert text == "Usage: ‘ask <topic>’\n┃ my \\`code\\` \\*here\\*"


@pytest.mark.parametrize("text", ["who is the POC for payroll?", "history payroll"])
def test_a_message_while_the_store_is_down_gets_one_apology(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine, text: str,
) -> None:
    with store_down(teams_engine):
        assert teams.post(ta.message(ta.personal(BOB, teams.service_url), text)).status in (200, 201)

    assert only_post(connector).text == t("en", "error")
