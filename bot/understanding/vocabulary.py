"""Words that carry meaning: stop words out, English and Spanish stems in."""
from __future__ import annotations

import threading
from functools import lru_cache

import snowballstemmer

from bot.understanding.text import fold

# Function words, and the words every question to this bot uses ("who handles...",
# "¿a quién le pido...?"): they say nothing about which topic is meant.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any anyone anybody are as at be because been before
being below between both but by can could did do does doing done down during each either else even ever
every few for from further get gets getting got had has have having he her here hers herself him himself
his how i i'm im if in into is it its itself just let me might mine more most much must my myself need
needs no nor not now of off on once one only or other our ours ourselves out over own please pls quick
really same she should so some someone somebody something such than thank thanks that the their theirs
them themselves then there these they thing things this those through to too under until up us very
was we were what when where which while who whom whose why will with would you your yours yourself
hi hello hey hiya morning afternoon evening folks team everyone all guys cheers hope lot sorry bother
know tell find help ask asking talk speak contact contacts poc pocs point person people responsible
charge handles handle handling manage manages managing runs run deals deal looks look after take takes
care covers owns own goes go reach right best sort kind question questions query thing stuff sure
okay ok yes yeah hmm like want wants wanted would'd maybe probably currently around here
el la los las lo un una unos unas de del al a en y o u que quien quienes cual cuales con por para sobre
mi mis tu tus su sus nuestro nuestra es son ser esta estan este esto esa ese eso hay me te se le les nos
como donde cuando porque pero si no ya muy mas hola gracias favor buenas buenos dias alguien algo tengo
tiene necesito quiero puedo hablo hablar pregunto preguntar pido pedir llevo lleva gestiona encarga
ocupa responsable contacto aviso llamo mando encargado
""".split())

_EN = snowballstemmer.stemmer("english")
_ES = snowballstemmer.stemmer("spanish")
_STEMMING = threading.Lock()  # the pure-Python stemmers keep their state on the object


@lru_cache(maxsize=200_000)
def variants(word: str) -> tuple[str, ...]:
    """The word's English and Spanish stems (one when they agree): either side may match."""
    with _STEMMING:
        english, spanish = _EN.stemWord(word), _ES.stemWord(word)
    return (english,) if english == spanish else (english, spanish)


def content_words(text: str) -> list[str]:
    """The folded words of text that may name a topic, in order."""
    return [w for w in fold(text).split() if w not in STOP_WORDS and len(w) > 1 and not w.isdigit()]
