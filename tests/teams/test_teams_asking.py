"""Asking a POC from Teams: the Ask form, the introduction delivered proactively, its buttons."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.i18n import t
from bot.inquiry_actions import InquiryAction
from bot.jobs import DispatchResult, run_dispatch
from integrations.teams.config import TeamsConfig
from integrations.teams.notifier import TeamsNotifier
from store.db import read_session, write_session
from store.models import Inquiry, Topic, TopicPolicy
from tests.fakes import teams_activities as ta
from tests.fakes.teams_connector import CREATE, SEND, FakeConnector
from tests.teams.conftest import BOB, CAROL, GRACE, QUINN, RunningTeams, topic_id

OPEN = TeamsConfig("", "", "", "MultiTenant")


def dispatch(engine: Engine) -> DispatchResult:
    notifier = TeamsNotifier(engine, OPEN, sleep=_no_wait)
    later = datetime.now(timezone.utc) + timedelta(seconds=1)
    return run_dispatch(engine=engine, notifiers={"teams": notifier}, now=later, worker="w1")


async def _no_wait(_: float) -> None:
    return None


def ask(teams: RunningTeams, engine: Engine, base: dict, question: str, topic: str = "Payroll") -> None:
    value = {"pocbot": "ask", "value": f"{topic_id(engine, topic)}:en", "question": question}
    assert teams.post(ta.submit(base, value)).status == 201


def only_inquiry(engine: Engine) -> Inquiry:
    with read_session(engine) as session:
        [inquiry] = session.execute(select(Inquiry)).scalars()
        return inquiry


def test_asking_from_the_card_opens_an_inquiry_and_tells_the_asker(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    ask(teams, teams_engine, ta.personal(BOB, teams.service_url), "When is payday this month?")

    inquiry = only_inquiry(teams_engine)
    assert (inquiry.asker_platform, inquiry.asker_user_id, inquiry.question) == ("teams", BOB.id,
                                                                                 "When is payday this month?")
    [reply] = connector.posted()
    assert reply.text.startswith("Sent your question about **Payroll** to <at>Quinn Adams</at>")


def test_an_empty_question_is_asked_for_again(teams: RunningTeams, connector: FakeConnector,
                                              teams_engine: Engine) -> None:
    ask(teams, teams_engine, ta.personal(BOB, teams.service_url), "   ")

    [reply] = connector.posted()
    assert reply.text.startswith("What would you like to ask about **Payroll**?")


def test_the_poc_gets_the_question_in_a_new_chat_with_buttons_and_their_click_reaches_the_asker(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    ask(teams, teams_engine, ta.personal(BOB, teams.service_url), "When is **payday**? <at>Everyone</at>")

    assert dispatch(teams_engine) == DispatchResult(claimed=1, sent=1)

    # Quinn never wrote to the bot: a 1:1 chat is created for them, in the asker's tenant.
    [created] = connector.calls(CREATE)
    assert created.body["members"] == [{"id": QUINN.id}]
    assert created.body["channelData"] == {"tenant": {"id": ta.TENANT}} and created.body["isGroup"] is False
    intro = connector.calls(SEND)[-1]
    assert intro.conversation.startswith("a:1created-")
    assert "When is \\*\\*payday\\*\\*? \\<at\\>Everyone\\</at\\>" in intro.text  # echoed, never a mention
    assert [e["mentioned"]["id"] for e in intro.card["msteams"]["entities"]] == [BOB.id, QUINN.id]
    titles = {a["title"]: a["data"] for a in intro.card["actions"]}
    inquiry_id = only_inquiry(teams_engine).id
    assert titles[t("en", "button_on_it")] == {"pocbot": "inquiry_on_it", "value": f"{inquiry_id}:en"}

    teams.post(ta.submit(ta.personal(QUINN, teams.service_url), titles[t("en", "button_answered")]))

    assert connector.posted()[-1].text == "Marked answered. Thanks for helping with **Payroll**!"
    assert dispatch(teams_engine).sent == 1  # the asker hears it, in the chat they asked from
    assert connector.calls(SEND)[-1].conversation == f"a:1chat-{BOB.id}"


def test_a_question_asked_in_a_channel_thread_is_answered_by_a_reply_in_that_thread(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    payments = topic_id(teams_engine, "Payments")
    with write_session(teams_engine) as session:
        session.execute(update(Topic).where(Topic.id == payments).values(channel=ta.CHANNEL))
        session.add(TopicPolicy(topic_id=payments, ask_in="channel"))
    teams.post(ta.installed(ta.in_channel(BOB, teams.service_url)))  # the bot is in the channel
    ask(teams, teams_engine, ta.personal(QUINN, teams.service_url), "Was the refund sent?", "Payments")

    assert dispatch(teams_engine).sent == 1
    intro = connector.calls(SEND)[-1]
    assert intro.conversation == ta.CHANNEL  # a new post: its id is the thread
    root = intro.answer["id"]
    inquiry = only_inquiry(teams_engine)
    assert (inquiry.conversation, inquiry.thread) == (ta.CHANNEL, root)

    before = len(connector.posted())
    teams.post(ta.message(ta.in_channel(BOB, teams.service_url, thread=root), "Yes, this morning.", bot_mentioned=True))

    assert only_inquiry(teams_engine).status == "answered"
    assert len(connector.posted()) == before  # the answer is the reply; the bot adds nothing there


def test_a_handover_made_in_teams_is_announced_in_the_subscribed_channel_and_to_both_people(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    channel = ta.in_channel(GRACE, teams.service_url)
    teams.post(ta.message(channel, "subscribe Payroll", bot_mentioned=True))
    teams.post(ta.message(ta.in_channel(GRACE, teams.service_url), f"assign Payroll {CAROL.at()} because Quinn moved",
                          CAROL, bot_mentioned=True))

    assert dispatch(teams_engine).sent == 3  # the channel, Carol (new POC) and Quinn (handed off)

    posts = {c.conversation: c for c in connector.calls(SEND)}
    assert posts[ta.CHANNEL].text.startswith("**Payroll** has a new POC: <at>Carol Smith</at>")
    created = {c.body["members"][0]["id"]: c.answer["id"] for c in connector.calls(CREATE)}
    assert set(created) == {CAROL.id, QUINN.id}  # neither had written to the bot: chats were opened
    assert posts[created[CAROL.id]].text.startswith("You are now the POC for **Payroll**")


def test_every_inquiry_action_submit_reaches_its_own_handler_and_no_other_id_is_taken(
    teams: RunningTeams, connector: FakeConnector, teams_engine: Engine,
) -> None:
    """Action.Submit ids come from InquiryAction: each one pressed by the asker gets its own answer."""
    ask(teams, teams_engine, ta.personal(BOB, teams.service_url), "When is payday this month?")
    value = f"{only_inquiry(teams_engine).id}:en"
    for pressed in [*(action.button_id for action in InquiryAction), "inquiry_closed"]:
        bob = ta.personal(BOB, teams.service_url)  # a new activity each press
        assert teams.post(ta.submit(bob, {"pocbot": pressed, "value": value})).status == 201
    *pressed_texts, other = [reply.text for reply in connector.posted()[1:]]
    only_the_poc = "Only <at>Quinn Adams</at> (or the POC and backups of **Payroll**) can do that."
    assert dict(zip(InquiryAction, pressed_texts, strict=True)) == {
        InquiryAction.answered: only_the_poc, InquiryAction.on_it: only_the_poc,
        InquiryAction.resolved: "Glad it's sorted. Marked resolved.",
        InquiryAction.more_help: "Reopened: I'll remind <at>Quinn Adams</at> about **Payroll**.",
        InquiryAction.hand_off: only_the_poc,
    }
    assert other.startswith("Ask me who the POC is for anything")  # not ours: a stale button, how to ask instead
