"""The topic index: exact keys, calibrated typo tolerance, and no guessing."""
from __future__ import annotations

import pytest

from bot.understanding.names import MAX_FUZZY_PROBES, MAX_QUERY, IndexEntry, MatchKind, TopicIndex, allowed_edits

TOPICS = {
    1: ["Travel", "business trips"],
    2: ["Laptop Onboarding", "new laptop"],
    3: ["Accounts Receivable", "receivables"],
    4: ["Health Benefits"],
    5: ["Pension Benefits"],
    6: ["IT"],
    7: ["Payroll", "nómina"],
    8: ["Gravel Roads"],
}


@pytest.fixture(scope="module")
def index() -> TopicIndex:
    entries = [
        IndexEntry(topic_id, text, position > 0)
        for topic_id, texts in TOPICS.items()
        for position, text in enumerate(texts)
    ]
    return TopicIndex(entries)


@pytest.mark.parametrize(
    ("query", "topic_id"),
    [("travel", 1), ("TRAVEL", 1), ("Business Trips", 1), ("nomina", 7), ("NÓMINAS", 7), ("it", 6)],
)
def test_names_and_aliases_match_exactly_whatever_the_case_accents_or_plural(index, query, topic_id):
    found = index.resolve(query)
    assert (found.kind, found.topic_id) == (MatchKind.exact, topic_id)


@pytest.mark.parametrize(
    ("query", "topic_id"),
    [("travle", 1), ("payrol", 7), ("recievables", 3), ("laptop onbaording", 2), ("helth benefits", 4)],
)
def test_small_typos_resolve_to_the_topic(index, query, topic_id):
    found = index.resolve(query)
    assert (found.kind, found.topic_id) == (MatchKind.fuzzy, topic_id)


@pytest.mark.parametrize("query", ["banana", "quantum physics", "pizza", "xyzzy", "tax", "moon landing"])
def test_unrelated_words_resolve_to_nothing(index, query):
    found = index.resolve(query)
    assert found.topic_id is None
    assert found.kind is MatchKind.unknown


def test_a_word_shared_by_two_topics_is_ambiguous_and_suggests_both(index):
    found = index.resolve("benefits")
    assert found.kind is MatchKind.ambiguous
    assert found.topic_id is None
    assert set(found.suggestions) == {4, 5}


def test_a_topic_named_inside_a_longer_question_is_found(index):
    found = index.resolve("travel bookings")
    assert (found.kind, found.topic_id, found.matched) == (MatchKind.partial, 1, "Travel")


def test_a_short_match_inside_a_long_question_is_only_a_suggestion(index):
    found = index.resolve("travel insurance claims for contractors")
    assert found.topic_id is None
    assert found.suggestions == (1,)


def test_short_keys_tolerate_no_typo_so_it_does_not_match_at(index):
    assert index.resolve("at").kind is MatchKind.unknown
    assert allowed_edits("it") == 0
    assert allowed_edits("travel") == 1
    assert allowed_edits("receivables") == 2


def test_an_alias_match_says_which_alias(index):
    found = index.resolve("receivables")
    assert found.via_alias and found.matched == "receivables"


def test_an_empty_index_knows_nothing():
    assert TopicIndex([]).resolve("travel").kind is MatchKind.unknown


def test_punctuation_only_resolves_to_nothing(index):
    assert index.resolve("?!...").kind is MatchKind.unknown


def test_a_short_key_tolerates_no_typo_even_from_a_longer_question():
    index = TopicIndex([IndexEntry(1, "Nigeria Office Moves", False), IndexEntry(1, "NOME", True)])

    assert index.resolve("gnome").topic_id is None
    assert index.resolve("nome").topic_id == 1


def test_typos_are_found_among_many_similar_keys():
    entries = [IndexEntry(i, f"Region {i} Payroll Audit", False) for i in range(2000)]
    entries.append(IndexEntry(5000, "Fleet Planning", False))
    index = TopicIndex(entries)

    assert index.resolve("flete planning").topic_id == 5000
    assert index.resolve("region 1234 payrol audit").topic_id == 1234


def test_a_long_argument_costs_a_bounded_number_of_fuzzy_probes(index, monkeypatch):
    """Each typo probe reads the trigram postings: however long the text, only a few are made
    (a 1,990-character argument made some 35,000, seconds of CPU in a write transaction)."""
    probes = []
    shared = TopicIndex._shared
    monkeypatch.setattr(TopicIndex, "_shared", lambda self, key: probes.append(key) or shared(self, key))
    words = "payrol travle laptops benefit receivable gravel onboardin".split()
    text = " ".join(words[i % len(words)] for i in range(400))[:1990]

    index.resolve(text)

    assert len(probes) <= MAX_FUZZY_PROBES + 2  # the phrases, the whole key, the suggestions
    assert all(len(key) <= MAX_QUERY for key in probes)


def test_a_name_inside_a_long_argument_is_still_found_in_the_part_read(index):
    found = index.resolve("health benefits " + "x" * 1990)
    assert 4 in (found.topic_id, *found.suggestions)
