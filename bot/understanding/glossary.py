"""Everyday workplace words in Spanish and their English (es_en.tsv): a Spanish question to a
directory written in English ("se me ha olvidado la contraseña del portátil") is matched by the
directory's own words (password, laptop) where the question's words are unknown to it.

Written by a teammate who saw none of the question sets: general workplace vocabulary and that of
the usual sectors (offices, hospitals, shops, factories, hotels, utilities, software). Words that are
also common English words ("personal", "red"), Spanish phrases that mislead ("a cargo de", "he
estado") and translations too generic to tell topics apart ("work", "problem", "day") are left out.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import snowballstemmer

from bot.understanding.text import fold
from bot.understanding.vocabulary import content_words

PATH = Path(__file__).with_name("es_en.tsv")
Bridge = Callable[[str], tuple[str, ...]]  # a word the directory does not know -> words it may know


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Each Spanish word (folded) and its English content words; and the same by Spanish stem,
    so "contadores" finds "contador"."""
    words: dict[str, tuple[str, ...]] = {}
    for line in PATH.read_text(encoding="utf-8").splitlines():
        spanish, _, english = line.partition("\t")
        key, found = fold(spanish).strip(), tuple(content_words(english))
        if key and found:
            words[key] = tuple(dict.fromkeys(words.get(key, ()) + found))
    stemmer = snowballstemmer.stemmer("spanish")
    stems: dict[str, tuple[str, ...]] = {}
    for key, found in words.items():
        stem = stemmer.stemWord(key)
        stems[stem] = tuple(dict.fromkeys(stems.get(stem, ()) + found))
    return words, stems


def spanish_to_english() -> Bridge:
    """The English a Spanish word may stand for (none when the glossary does not have it)."""
    words, stems = _tables()
    stemmer = snowballstemmer.stemmer("spanish")  # one per bridge: the stemmer keeps state

    def english(word: str) -> tuple[str, ...]:
        return words.get(word) or stems.get(stemmer.stemWord(word), ())

    return english
