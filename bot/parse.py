"""Turn what someone typed into a command and its argument, in English or Spanish."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import clean_input, fold

MAX_INPUT = 2000
MAX_ASK_INPUT = 40_500  # a question put to a POC is kept whole (bot.services.asking caps it)
MAX_QUERY_CHARS = 200  # the longest topic name the store accepts
MAX_QUERY_WORDS = 16

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
    "answered": "answered", "respondida": "answered", "onit": "on_it", "meocupo": "on_it",
    "resolved": "resolved", "resuelta": "resolved", "reopen": "more_help", "reabrir": "more_help",
    "handoff": "hand_off", "pasarla": "hand_off",
    "stats": "stats", "estadisticas": "stats",
    "notify": "notify", "notificar": "notify", "avisame": "notify",
}
_INQUIRY_NUMBER = re.compile(r"^#?\d+$")
INQUIRY_COMMANDS = frozenset({"answered", "on_it", "resolved", "more_help", "hand_off"})
# Commands whose argument is kept as typed: it names people and topics exactly.
DIRECTORY_COMMANDS = frozenset(
    {"assign", "unassign", "topic", "history", "away", "back", "subscribe", "unsubscribe", "mine", "ask", "stats", "notify"}
) | INQUIRY_COMMANDS
_LEADING_MENTION = re.compile(r"^\s*(?:<@[UW][A-Z0-9]+(?:\|[^>]*)?>|<at>[^<]*</at>)\s*")

_GREETING = r"(?:(?:hey|hi|hello|hola|buenas|buenos dias|please|por favor|pocbot|poc bot)\s+)*"
_ROLE = (
    r"(?:poc|pocs|point of contact|points of contact|contact person|contact|owner|"
    r"go to person|go to|person|expert|lead|responsible|right person|best person)"
)
_FRAMES = [
    # English
    rf"who(?:s| s| is| are)?\s+(?:the\s+|our\s+|a\s+)?{_ROLE}\s+(?:for|of|on|about|regarding|behind|in charge of)",
    r"who(?:s| s| is)?\s+(?:responsible for|in charge of)",
    r"who\s+(?:owns|handles|manages|runs|covers|maintains|looks after|takes care of|deals with|"
    r"knows about|is handling|is on|can help with|can help me with|does)",
    r"(?:who|whom)\s+(?:do|should|can|could|would)\s+(?:i|we)\s+(?:talk|speak|ask|contact|reach out|"
    r"go|turn|write|email|ping|message|call)(?:\s+to)?\s+(?:about|for|regarding|re|on|with)",
    r"(?:i need|i need to talk to|looking for)\s+(?:the\s+|a\s+|someone for\s+|someone about\s+)?"
    rf"(?:{_ROLE}\s+(?:for|of|on|about)\s*)?",
    r"(?:(?:can you|could you)\s+)?help(?:\s+me)?\s+with",
    rf"(?:the\s+)?{_ROLE}\s+(?:for|of|on|about)",
    r"(?:poc|pocs|point of contact)",
    # Spanish (accents are folded away before matching)
    r"quien(?:es)?\s+(?:es|son)\s+(?:el|la|los|las)\s+(?:punto de contacto|puntos de contacto|"
    r"responsable|responsables|contacto|encargado|encargada|poc|referente|duena|dueno)\s+"
    r"(?:para|de|del|sobre|en)",
    r"quien\s+(?:lleva|gestiona|maneja|lleva el tema de|se encarga de|se ocupa de|sabe de|sabe sobre|"
    r"lleva lo de|ve|atiende)",
    r"con\s+quien\s+(?:hablo|puedo hablar|debo hablar|tengo que hablar|hablamos|trato)\s+"
    r"(?:sobre|de|para|acerca de|por)",
    r"a\s+quien\s+(?:pregunto|le pregunto|contacto|escribo|acudo)\s+(?:sobre|por|para|de|acerca de)",
    r"(?:punto de contacto|contacto|responsable)\s+(?:para|de|del|sobre)",
]
_FRAME = re.compile(rf"^{_GREETING}(?:{'|'.join(_FRAMES)})(?:\s+|$)", re.IGNORECASE)
_LEADING_FILLER = re.compile(r"^(?:the|our|my|a|an|el|la|los|las|lo|un|una|mi|nuestro|nuestra)\s+")
_TRAILING_FILLER = re.compile(
    r"\s+(?:please|pls|thanks|thank you|por favor|gracias|here|now|today|at acme|aqui|ahora)$"
)
_BARE_WORDS = {"poc", "pocs", "who", "quien", "contact", "contacto", "point of contact"}
_MENTION = re.compile(r"<[@!#][^>]*>|<at>[^<]*</at>")


@dataclass(frozen=True)
class Command:
    name: str  # "help", "who", "empty", "too_long"
    argument: str = ""


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
    if name in DIRECTORY_COMMANDS and not (name in ("back", "mine") and rest.strip()):
        return Command(name, rest.strip())
    cleaned = clean_input(_MENTION.sub(" ", text or ""), MAX_INPUT)
    if not fold(cleaned) and cleaned.strip() in ("", "?"):
        return Command("help" if cleaned.strip() == "?" else "empty")
    first, _, rest = cleaned.partition(" ")
    name = _COMMAND_WORDS.get(fold(first) or first)
    if name == "help":
        return Command("help")
    query = topic_query(rest if name == "who" and not _FRAME.match(fold(cleaned)) else cleaned)
    if not query or query in _BARE_WORDS:
        return Command("empty")
    if len(query) > MAX_QUERY_CHARS or len(query.split()) > MAX_QUERY_WORDS:
        return Command("too_long")
    return Command("who", query)


def topic_query(question: str) -> str:
    """Strip the question around the topic: 'who is the POC for travel?' -> 'travel'."""
    folded = fold(question)
    previous = None
    while previous != folded:  # "hi, who is the poc for ..." peels in steps
        previous = folded
        folded = _FRAME.sub("", folded, count=1)
        folded = _LEADING_FILLER.sub("", folded)
        folded = _TRAILING_FILLER.sub("", folded)
    return folded.strip()
