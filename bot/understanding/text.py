"""Text normalisation shared by the store keys, the parser and the resolver."""
from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What no store can keep: PostgreSQL text refuses NUL, and UTF-8 has no lone surrogates.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A Slack or Teams mention, channel or special mention: never part of what is asked about.
MENTION = re.compile(r"<[@!#][^>]*>|<at>[^<]*</at>")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", plain).replace("_", " ").split())


def stem(word: str) -> str:
    """A light plural stripper for English and Spanish; both sides use the same one."""
    if len(word) <= 3 or word.endswith("ss") or word.endswith("us"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ones") and len(word) > 5:
        return word[:-2]
    if word.endswith(("ches", "shes", "xes")) and len(word) > 4:
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def topic_key(text: str) -> str:
    """The matching key of a topic name or alias: folded, each word de-pluralised."""
    return " ".join(stem(w) for w in fold(text).split())


def clean_input(text: str, limit: int = 2000) -> str:
    """Drop control characters and cap the length of what a user typed."""
    return _CONTROL.sub(" ", text or "")[:limit].strip()


def storable(text: str) -> str:
    """The text without the characters a store refuses (one such character in a batched
    write fails the whole batch), so SQLite and PostgreSQL keep the same thing."""
    return _UNSTORABLE.sub("", text)
