"""Find the need in a message: drop the greetings and thanks, split the subject from its context.

People write paragraphs in Slack. The sentences that greet, thank or apologise say
nothing about the topic; the rest is read, up to a bound so a 40,000-character paste
costs no more than a long message.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.understanding.frames import topic_query
from bot.understanding.text import MENTION, clean_input, fold
from bot.understanding.vocabulary import content_words

READ_HEAD, READ_TAIL = 2000, 1000  # what is read of a long message: its start and its end
_SENTENCE = re.compile(r"(?<=[.!?¿¡;:…])\s+|\n+|(?<=[\U0001F300-\U0001FAFF\u2600-\u27BF])\s+")
# Sentences that greet, thank or wish well say nothing about the topic ...
_SOCIAL = re.compile(
    r"^(?:hi|hey|hello|hiya|morning|good (?:morning|afternoon|evening)|evening|buenos dias|buenas|hola|"
    r"thanks?|thank you|many thanks|cheers|ta|gracias|hope|congrats|have a|enjoy|happy|exciting news)\b"
)
# ... and ones that open with an apology or an aside do, unless nothing is left after it.
_ASIDE = re.compile(
    r"^(?:sorry|apologies|also|ps|p s|long time|no rush|otherwise|bit of a \w+ one|weird one|"
    r"quick (?:one|question)|small thing)\b"
)
_ASIDE_TAIL = 2  # "sorry to bother you" is an aside; "sorry, the VPN keeps dropping" is a need
_ASKS = re.compile(r"\b(?:who|whom|where|which|anyone|someone|somebody|quien|donde|alguien|poc|contact)\b")
# A topic named after these is context ("payroll for the emergency team"), not the subject.
_CONTEXT = re.compile(
    r"\s(?:for|in|on|at|from|of|with|using|after|during|about)\s+(?:the|a|an|our|my|this|that|some|"
    r"his|her|their|new|\d+)?\b|\s(?:para|en|del|de la|de los|de las|con)\s"
)


@dataclass(frozen=True)
class Need:
    text: str  # what is read: the message without its social sentences
    query: str  # the question frame peeled off (folded), for names and typos
    head: str  # the query up to its first context phrase: the subject
    tail: str  # the context ("for the emergency department staff")
    long: bool  # more than one sentence was kept
    sentences: tuple[str, ...] = ()  # the kept sentences, in order


def find_need(message: str) -> Need:
    text = _bounded(clean_input(MENTION.sub(" ", message or ""), len(message or "")))
    sentences = list(dict.fromkeys(s.strip() for s in _SENTENCE.split(text) if s and s.strip()))
    kept = [s for s in sentences if not _is_social(s)] or sentences
    reading = " ".join(kept)
    query = topic_query(reading)
    long = len(kept) > 1
    head, tail = (query, "") if long else _split_context(query)
    return Need(reading, query, head, tail, long, tuple(kept))


def _bounded(text: str) -> str:
    """The start and the end of a long message: the cost is capped, and a question at the end is read."""
    if len(text) <= READ_HEAD + READ_TAIL:
        return text
    return f"{text[:READ_HEAD]}\n{text[-READ_TAIL:]}"


def _is_social(sentence: str) -> bool:
    """Greets, thanks or apologises and says nothing else ("Sorry, the VPN keeps dropping" is kept)."""
    folded = fold(sentence)
    if not folded:
        return True  # only emoji or punctuation
    if _ASKS.search(folded):
        return False
    if _SOCIAL.match(folded):
        return True
    aside = _ASIDE.match(folded)
    return aside is not None and len(content_words(folded[aside.end():])) <= _ASIDE_TAIL


def _split_context(query: str) -> tuple[str, str]:
    found = _CONTEXT.search(" " + query)
    if not found or found.start() < 2:
        return query, ""
    cut = found.start() - 1
    return query[:cut].strip(), query[cut:].strip()


# Private life: a question about one's own pets, home, car, holidays, family or hobbies shares
# words with company topics ("parking for my boat") but is not about work.
_FAMILY = (r"(?:sister|brother|mum|mom|mother|dad|father|parents|grandmother|grandma|gran|granny|grandfather|"
           r"grandpa|grandparents|aunt|uncle|cousin|wife|husband|partner|boyfriend|girlfriend|fiance|fiancee|kid|"
           r"kids|son|daughter|children|child|baby|niece|nephew|friend|friends|neighbour|neighbor|flatmate|roommate)")
_MONTHS = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december|enero|febrero|"
           r"marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)\b")
_OWNER = r"\b(?:my|mi|mis)\s+(?:(?:own|personal|family|" + _FAMILY + r"\s+s)\s+)?"
_PRIVATE = re.compile(
    _OWNER + r"(?:smart\s+)?(?:tv|television|games console|playstation|xbox|dog|dogs|cat|cats|pet|pets|puppy|horse|car|boat|bike|motorbike|wedding|honeymoon|flat|"
    r"apartment|house|garden|neighbour|neighbor|neighbours|landlord|mortgage|school|birthday|party|hobby|"
    r"website|blog|wallet|bitcoin|crypto|hairdresser|barber|gym|band|facebook|instagram|tiktok|twitter|snapchat|"
    r"whatsapp|perro|gato|mascota|coche|moto|boda|casa|piso|vecino|vecinos|jardin|peluquero|peluquera|cumpleanos|"
    r"fiesta)\b"
    # a holiday as a trip, not as leave ("who approves my holidays?" is work)
    r"|\b(?:for|on|during)\s+my\s+(?:family\s+)?(?:holiday|vacation)\b|\bmy\s+(?:family\s+)?holiday\s+(?:to|in|abroad)\b"
    r"|\b(?:a|my|our)\s+(?:family\s+)?(?:holiday|vacation)\s+(?:in|to)\s+(?!" + _MONTHS + r")|\bhoneymoon\b|\bluna de miel\b"
    r"|\bmy\s+" + _FAMILY + r"\s+s\b"  # my kid's scout trip, my sister's wedding
    r"|\bde\s+mi\s+(?:hermana|hermano|madre|padre|abuela|abuelo|hijo|hija|hijos|mujer|marido|novia|novio|pareja)\b"
    r"|\bmy\s+personal\s+(?:social media|facebook|instagram|tiktok|twitter|bank|finances|life|matters?|car|loans?|debts?)\b"
    r"|\bfamily\s+holiday\b|\bat\s+home\b|\ben\s+casa\b|\bpersonal\s+(?:website|blog|project|car)\b"
    r"|\b(?:flat|apartment|house)\s+i\s+m\s+renting\b|\bapartment\s+block\b|\bblock\s+of\s+flats\b"
    r"|\boutside\s+(?:of\s+)?work\b(?!\s+(?:hours|time))|\bnot\s+(?:through|via)\s+(?:work|the\s+(?:company|uni|university|office))\b"
    r"|\b(?:divorce|divorcio|residents\s+association|comunidad\s+de\s+vecinos|marathon|maraton)\b"
    # asking for a recommendation is asking for a business outside the company, not its POC
    r"|\b(?:anyone|someone|somebody|you)\s+recommend\b|\b(?:any\s+)?recommendations?\s+for\s+(?:a|an|some)\b"
    r"|\b(?:alguien|me)\s+(?:puede|podeis|pueden)?\s*recomendar\b|\brecomendaciones?\s+(?:de|para)\s+(?:un|una)\b"
)
# ... unless it asks for time off from work for it ("can I take time off for my sister's wedding?").
_TIME_OFF = re.compile(
    r"\b(?:time off|days? off|(?:annual|sick|maternity|paternity|parental|unpaid|compassionate|special) leave|"
    r"leave request|on leave|holiday request|book(?:ing)? (?:a |my )?holiday|permiso|dias libres|dias de vacaciones|"
    r"approv\w* (?:my |a |the )?(?:holiday|vacation|leave)|maternity|paternity|parental|pregnan\w*|baby is due|"
    r"refer\w*|tax code)\b"
)


# A place or an organisation named after "at", "in", "from"... that the directory does not know
# ("security at Primavera Sound", "a parking fine I got in Seville"): often outside the company.
_NAMED_PLACE = re.compile(r"\b(?:at|in|from|near|en|desde)\s+(?:the\s+|el\s+|la\s+)?"
                          r"((?:[A-Z][\w'’-]*)(?:\s+(?:de\s+|del\s+)?[A-Z][\w'’-]*)*)")
_CALENDAR = frozenset("""january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday christmas easter q1 q2 q3 q4 enero febrero marzo
abril mayo junio julio agosto septiembre octubre noviembre diciembre lunes martes miercoles jueves viernes
sabado domingo navidad semana santa""".split())


def names_elsewhere(text: str, known: Callable[[str], bool]) -> bool:
    """Whether the message names a place or organisation, after a preposition, that no topic knows."""
    for found in _NAMED_PLACE.finditer(text):
        words = [w for w in content_words(found.group(1)) if w not in _CALENDAR]
        if words and not any(known(w) for w in words):
            return True
    return False


# The asker's own thing that no topic knows ("my vinted parcel", "my new iphone"): not the company's.
# English only: a Spanish question to an English directory has unknown words everywhere.
_MINE = re.compile(r"\bmy\s+((?:\w+\s+){0,3}\w+)")
_QUALITIES = frozenset("new brand very old own first second personal current latest little big other usual main".split())
_PEOPLE = re.compile(_FAMILY + r"|(?:boss|bosse|manager|line manager|supervisor|lead|team lead|tech lead|director|"
                     r"mentor|buddy|report|direct report|colleague|coworker|co worker|teammate|partner|client|customer|"
                     r"employee|staff|skip level)s?")  # people, not things: family, and people at work
_BODY = frozenset("""wrist ankle back knee knees hand hands arm arms leg legs foot feet eye eyes head shoulder neck
finger fingers hip toe""".split())  # "I hurt my wrist": an injury at work, not a thing of one's own


def owns_unknown(text: str, known: Callable[[str], bool]) -> bool:
    """Whether the message speaks of something of the asker's own ("my new **iphone**": the first
    word past any qualities) that the directory does not know; time off for it is work."""
    folded = fold(text)
    if _TIME_OFF.search(folded):
        return False
    return any(_unknown_thing(found.group(1).split(), known) for found in _MINE.finditer(folded))


def _unknown_thing(words: list[str], known: Callable[[str], bool]) -> bool:
    while len(words) > 1 and words[0] in _QUALITIES:
        words = words[1:]
    if _PEOPLE.fullmatch(" ".join(words[:2])) or _PEOPLE.fullmatch(words[0]):
        return False
    content = content_words(" ".join(words))
    return bool(content) and content[0] not in _BODY and not known(content[0])


def private_life(text: str) -> bool:
    """Whether the message is about the asker's private life (pets, home, car, holidays...)."""
    folded = fold(text)
    return bool(_PRIVATE.search(folded)) and not _TIME_OFF.search(folded)
