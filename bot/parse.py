"""Turn what someone typed into a command and its argument, in English or Spanish."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.inquiry_actions import InquiryAction
from bot.understanding.frames import FRAME, topic_query
from bot.understanding.text import MENTION, clean_input, fold
from bot.understanding.vocabulary import content_words

MAX_INPUT = 40_000  # Slack's own limit: a lookup reads the first lines (bot.understanding.need)
MAX_ASK_INPUT = 40_500  # a question put to a POC is kept whole (bot.services.asking caps it)

# First words that name a command, in every language we speak.
_COMMAND_WORDS = {
    "help": "help", "ayuda": "help", "usage": "help", "?": "help",
    "who": "who", "quien": "who", "whois": "who",
    "assign": "assign", "asignar": "assign", "handover": "assign",
    "unassign": "unassign", "desasignar": "unassign", "quitar": "unassign",
    "topic": "topic", "tema": "topic",
    "history": "history", "historial": "history",
    "away": "away", "ausente": "away", "back": "back", "vuelvo": "back",
    "subscribe": "subscribe", "suscribir": "subscribe",
    "unsubscribe": "unsubscribe", "desuscribir": "unsubscribe",
    "mine": "mine", "mios": "mine",
    "ask": "ask", "preguntar": "ask",
    "stats": "stats", "estadisticas": "stats",
    "notify": "notify", "notificar": "notify", "avisame": "notify",
    "teach": "teach", "ensenar": "teach", "forget": "forget", "olvidar": "forget",
}
# The inquiry buttons as commands, for chats without buttons: `answered #12` (English, Spanish).
INQUIRY_WORDS = {
    InquiryAction.answered: ("answered", "respondida"), InquiryAction.on_it: ("onit", "meocupo"),
    InquiryAction.resolved: ("resolved", "resuelta"), InquiryAction.more_help: ("reopen", "reabrir"),
    InquiryAction.hand_off: ("handoff", "pasarla"),
}
_COMMAND_WORDS.update({word: action.value for action, words in INQUIRY_WORDS.items() for word in words})
# teach and forget take a quoted phrasing first; "teaching hospital" is a lookup.
_QUOTE_FIRST = re.compile(r"^\s*[\"“”'‘’«]")
_INQUIRY_NUMBER = re.compile(r"^#?\d+$")
INQUIRY_COMMANDS = frozenset(action.value for action in InquiryAction)
# Commands whose argument is kept as typed: it names people and topics exactly.
DIRECTORY_COMMANDS = frozenset(
    {"assign", "unassign", "topic", "history", "away", "back", "subscribe", "unsubscribe", "mine", "ask", "stats",
     "notify", "teach", "forget"}
) | INQUIRY_COMMANDS
_LEADING_MENTION = re.compile(r"^\s*(?:<@[UW][A-Z0-9]+(?:\|[^>]*)?>|<at>[^<]*</at>)\s*")

_BARE_WORDS = {"poc", "pocs", "who", "quien", "contact", "contacto", "point of contact"}


@dataclass(frozen=True)
class Command:
    name: str  # "help", "who", "empty"
    argument: str = ""
    text: str = ""  # a lookup's whole message (cleaned), for understanding to read


def parse(text: str) -> Command:
    """Parse a message: a known first word is a command; anything else is a lookup."""
    unmentioned = _LEADING_MENTION.sub("", text or "")
    first, rest = (clean_input(unmentioned, MAX_ASK_INPUT).split(maxsplit=1) + ["", ""])[:2]
    name = _COMMAND_WORDS.get(fold(first))
    if name == "ask":  # the question keeps its length and its line breaks
        return Command(name, rest.strip())
    first, _, rest = clean_input(unmentioned, MAX_INPUT).partition(" ")
    # "back office" and "mine safety" are topics: those two commands take no argument;
    # "answered #12" and the other inquiry words take only an inquiry's number.
    if name in INQUIRY_COMMANDS and rest.strip() and not _INQUIRY_NUMBER.match(rest.strip()):
        name = None
    if name in ("teach", "forget") and not _QUOTE_FIRST.match(rest):
        name = None
    if name in DIRECTORY_COMMANDS and not (name in ("back", "mine") and rest.strip()):
        return Command(name, rest.strip())
    cleaned = clean_input(MENTION.sub(" ", text or ""), MAX_INPUT)
    if not fold(cleaned) and cleaned.strip() in ("", "?"):
        return Command("help" if cleaned.strip() == "?" else "empty")
    first, _, rest = cleaned.partition(" ")
    name = _COMMAND_WORDS.get(fold(first) or first)
    if name == "help" and not content_words(rest):  # "help desk", "help! my laptop...": lookups
        return Command("help")
    message = rest if name == "who" and not FRAME.match(fold(cleaned)) else cleaned
    query = topic_query(message)
    if not query or query in _BARE_WORDS:
        return Command("empty")
    return Command("who", query, message)
