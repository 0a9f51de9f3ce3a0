"""Counts in replies agree with their nouns, in every language: "1 open question", "2 inquiries"."""
from __future__ import annotations

import re

import pytest

from bot.i18n import catalogue, languages, t


@pytest.mark.parametrize("lang, key, values, one, many", [
    ("en", "inquiry_moved_old", {"topic": "Payroll", "person": "Bob"},
     "Your 1 open question on *Payroll* moved", "Your 2 open questions on *Payroll* moved"),
    ("es", "inquiry_moved_old", {"topic": "Payroll", "person": "Bob"},
     "Tu 1 pregunta abierta sobre *Payroll* pasó a Bob", "Tus 2 preguntas abiertas sobre *Payroll* pasaron a Bob"),
    ("en", "inquiry_moved_new", {"topic": "Payroll", "previous": "Bob"},
     "1 open question asked of Bob now waits for you. See it", "2 open questions asked of Bob now wait for you. See them"),
    ("es", "inquiry_moved_new", {"topic": "Payroll", "previous": "Bob"},
     "1 pregunta abierta hecha a Bob te espera a ti. Mírala", "2 preguntas abiertas hechas a Bob te esperan a ti. Míralas"),
])
def test_moved_questions_are_counted_in_the_singular_and_the_plural(lang, key, values, one, many) -> None:
    assert one in t(lang, key, count=1, **values)
    assert many in t(lang, key, count=2, **values)


def test_a_topics_figures_say_1_inquiry_and_its_nudges_1_time() -> None:
    figures = {"topic": "Payroll", "open": 0, "overdue": 0, "median": "1h", "p90": "1h", "within": "100%"}
    assert "last 30 days: 1 inquiry," in t("en", "stats_title_topic", asked=1, **figures)
    assert "last 30 days: 3 inquiries," in t("en", "stats_title_topic", asked=3, **figures)
    nudges = {"topic": "Payroll", "after": "2h", "every": "4h"}
    assert "every 4h, 1 time before" in t("en", "topic_nudges_set_dm", max=1, **nudges)
    assert "cada 4h, 1 vez antes" in t("es", "topic_nudges_set_dm", max=1, **nudges)
    assert "cada 4h, 3 veces antes" in t("es", "topic_nudges_set_channel", max=3, **nudges)


@pytest.mark.parametrize("lang", languages())
def test_no_reply_hedges_a_plural_with_parentheses_or_slashes(lang: str) -> None:
    hedged = {key: text for key, text in catalogue(lang).items()
              if re.search(r"\w\((s|es)\)|\bvez/veces\b", str(text))}
    assert hedged == {}
