"""Everyday workplace words in Spanish and their English (es_en.tsv): a Spanish question to a
directory written in English ("se me ha olvidado la contraseña del portátil") is matched by the
directory's own words (password, laptop) where the question's words are unknown to it.

The list is general workplace vocabulary, written apart from every question set, not fitted to one.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from bot.understanding.text import fold
from bot.understanding.vocabulary import content_words

_PATH = Path(__file__).with_name("es_en.tsv")


@lru_cache(maxsize=1)
def spanish_to_english() -> Mapping[str, tuple[str, ...]]:
    """Each Spanish word (folded) and the English content words it may stand for."""
    found: dict[str, tuple[str, ...]] = {}
    for line in _PATH.read_text(encoding="utf-8").splitlines():
        spanish, _, english = line.partition("\t")
        key, words = fold(spanish).strip(), tuple(content_words(english))
        if key and words and " " not in key:
            found[key] = tuple(dict.fromkeys(found.get(key, ()) + words))
    return MappingProxyType(found)
