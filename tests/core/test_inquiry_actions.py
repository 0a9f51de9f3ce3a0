"""One list of inquiry actions: every action has its handler, its typed command in each
language, its button label in each catalogue, and a side that may click it."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.core import COMMANDS, Bot
from bot.i18n import catalogue, languages
from bot.inquiry_actions import ASKER_ACTIONS, BUTTON_IDS, RESPONDER_ACTIONS, InquiryAction
from bot.messages import Actor, ReplyKind, Request
from bot.parse import INQUIRY_COMMANDS, INQUIRY_WORDS, Command, parse
from bot.services import asking
from store.db import read_session
from store.models import Inquiry
from tests.harness import NOW, Clock, load_demo


def test_every_action_has_a_handler_a_command_and_one_side_that_may_click_it() -> None:
    assert set(asking.HANDLERS) == set(InquiryAction)
    assert {action.value for action in InquiryAction} == INQUIRY_COMMANDS
    assert INQUIRY_COMMANDS <= set(COMMANDS)
    assert sorted(RESPONDER_ACTIONS + ASKER_ACTIONS) == sorted(InquiryAction)
    assert BUTTON_IDS == {"inquiry_answered", "inquiry_on_it", "inquiry_resolved", "inquiry_more_help",
                          "inquiry_hand_off"}  # on the wire: cards and messages already sent carry these


@pytest.mark.parametrize("lang", languages())
def test_every_action_has_a_button_label_in_each_language(lang: str) -> None:
    assert [action for action in InquiryAction if not catalogue(lang).get(action.label_key)] == []


@pytest.mark.parametrize("action", list(InquiryAction))
def test_every_action_is_typed_in_english_and_spanish(action: InquiryAction) -> None:
    english, spanish = INQUIRY_WORDS[action]
    assert parse(f"{english} #12") == Command(action.value, "#12")
    assert parse(f"{spanish} 12") == Command(action.value, "12")


# What each action's own handler says, typed by its side on a fresh open inquiry.
SAID = {
    InquiryAction.answered: "inquiry_marked_answered", InquiryAction.on_it: "inquiry_marked_on_it",
    InquiryAction.hand_off: "inquiry_handed_off", InquiryAction.resolved: "inquiry_marked_resolved",
    InquiryAction.more_help: "inquiry_still_open",
}


@pytest.mark.parametrize("action", list(InquiryAction))
def test_a_typed_action_reaches_its_own_handler(sqlite_engine: Engine, action: InquiryAction) -> None:
    bot = Bot(load_demo(sqlite_engine), clock=Clock(NOW))
    asker, poc = Actor("slack", "U0GRACE"), Actor("slack", "U0CAROL")  # Carol holds Recruiting
    assert bot.handle(Request("ask Recruiting How do I post a job opening?", asker)).kind is ReplyKind.done
    with read_session(bot.engine) as session:
        number = session.execute(select(Inquiry.id)).scalar_one()
    by = asker if action in ASKER_ACTIONS else poc
    reply = bot.handle(Request(f"{INQUIRY_WORDS[action][0]} #{number}", by))
    assert (reply.kind, reply.note) == (ReplyKind.done, SAID[action])
