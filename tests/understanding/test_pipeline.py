"""Understanding on the demo organisation: the three kinds of answer, long messages, hostile input."""
from __future__ import annotations

import pytest

from bot.core import Bot
from bot.messages import Actor, ReplyKind, Request
from bot.understanding.need import find_need, names_elsewhere, owns_unknown, private_life
from bot.understanding.vocabulary import variants
from bot.understanding.pipeline import understand
from bot.understanding.decision import Verdict

ASKER = Actor("console", "quinn@acme.test", email="quinn@acme.test")


def named(reply) -> set[str]:
    people = set()
    if reply.answer is not None:
        people |= {p.email for p in (reply.answer.primary, reply.answer.cover, *reply.answer.backups) if p}
    people |= {c.primary.email for c in reply.choices if c.primary}
    return people


def ask(bot: Bot, text: str):
    reply = bot.handle(Request(text, ASKER))
    assert reply.kind is not ReplyKind.error, text
    return reply


def test_a_description_word_answers_and_says_why(demo_bot: Bot) -> None:
    reply = ask(demo_bot, "who handles vision plans?")

    assert reply.kind is ReplyKind.answer and reply.answer.topic == "Health Benefits"
    assert reply.answer.why is not None and reply.answer.why.kind == "description"
    assert "vision" in reply.answer.why.words


def test_a_close_call_offers_the_likely_topics_and_names_nobody(demo_bot: Bot) -> None:
    reply = ask(demo_bot, "benefits")

    assert reply.kind is ReplyKind.suggestions
    assert {c.topic for c in reply.choices} == {"Health Benefits", "Pension Benefits"}
    assert all(a.id == "pick" for a in reply.actions) and named(reply) == set()


def test_a_message_a_slack_user_would_write_is_read_not_refused(demo_bot: Bot) -> None:
    text = ("Hi all! Hope everyone had a lovely weekend 🙂 Sorry to bother you, I'm new here. "
            "I was paid less than usual this month and my payslip looks wrong. Who would know about that? Thanks!")

    reply = ask(demo_bot, text)

    assert reply.kind in (ReplyKind.answer, ReplyKind.suggestions)
    topics = {reply.answer.topic} if reply.answer else {c.topic for c in reply.choices}
    assert "Payroll" in topics


def test_the_need_is_found_between_greetings_and_thanks() -> None:
    need = find_need("Hey team 👋 hope you're well! My docking station doesn't detect my screens. Who can help? Thanks!")

    assert "docking station" in need.text and "hope" not in need.text and need.long


def test_a_topic_named_after_for_the_is_context_not_the_subject() -> None:
    need = find_need("who handles payroll for the emergency department staff?")

    assert need.head == "payroll" and "emergency department" in need.tail


@pytest.mark.parametrize("text", ["who is the POC for training my dog?", "who handles the expenses for my wedding?",
                                  "who handles transport for my holiday to Cancún?", "comms on my kid's scout trip",
                                  "who is the POC for catering at my sister's wedding?",
                                  "who deals with the privacy settings on my personal Facebook?",
                                  "who handles travel insurance for a honeymoon in Japan?",
                                  "who can sort out the wifi in the flat I'm renting in town?",
                                  "¿quién organiza el catering de la boda de mi hermana?",
                                  "can anyone recommend a lawyer for a divorce?"])
def test_questions_about_private_life_are_recognised(text: str) -> None:
    assert private_life(text)


@pytest.mark.parametrize("text", ["my badge stopped opening the lab door", "who approves my holidays?",
                                  "our website is down", "my company car got a parking ticket",
                                  "can I take time off for my sister's wedding?", "how do I update my personal details?",
                                  "my partner is due in March, how much leave can I take?",
                                  "Who approves a holiday in August?", "Who approves overtime outside work hours?",
                                  "Who can recommend a supplier for office chairs?",
                                  "Who follows up on the audit recommendations?",
                                  "Who can reset my personal access token for GitHub?",
                                  "I want to refer my friend's CV for the open role, who handles referrals?",
                                  "my partner's due in March, who handles paternity pay?",
                                  "I paid with my personal card, how do I claim it back?"])
def test_work_questions_with_my_are_not_private_life(text: str) -> None:
    assert not private_life(text)


@pytest.mark.parametrize("text", [
    "who is the POC for training my dog?", "who handles parking for my boat at the marina?",
    "who owns the moon", "xyzzy", "the of and a", "🙂👩‍👩‍👧‍👦🧶", "\u202eneddih\u202c who is it",
    "'; DROP TABLE topic; --", "{0} {name!r} %s %(x)s", "<!channel> <@U0ALICE>", "\x00\x01\x02 help me",
    "w" * 40_000, "quién quién quién who who who",
])
def test_noise_and_hostile_input_name_nobody_and_never_fail(demo_bot: Bot, text: str) -> None:
    reply = ask(demo_bot, text)

    assert named(reply) == set()
    assert "<!channel>" not in (reply.query or "")


def test_a_40000_character_message_costs_a_bounded_read() -> None:
    need = find_need("blah " * 8_000 + "who handles payroll?")

    assert len(need.text) <= 3_100 and "payroll" in need.text


def test_an_empty_directory_names_nobody(sqlite_engine) -> None:
    reply = Bot(sqlite_engine).handle(Request("who handles payroll?", ASKER))

    assert reply.kind is ReplyKind.unknown and named(reply) == set()


def test_without_the_model_the_bot_still_answers_by_name_and_words(demo_engine) -> None:
    bot = Bot(demo_engine, semantic=False)

    assert ask(bot, "payroll").answer.topic == "Payroll"
    assert ask(bot, "who handles vision plans?").answer.topic == "Health Benefits"
    assert named(ask(bot, "who is the POC for training my dog?")) == set()


def test_a_decision_carries_its_evidence(demo_bot: Bot) -> None:
    from store.db import read_session

    with read_session(demo_bot.engine) as session:
        directory = demo_bot.directory.get(session=session).understanding
    decision = understand("who handles vision plans?", directory)

    assert decision.verdict is Verdict.sure and decision.semantic
    assert {"words", "full"} <= set(decision.candidates[0].evidence)


def test_a_long_topic_name_asked_whole_is_answered_without_the_model() -> None:
    from bot.understanding.names import IndexEntry, TopicIndex
    from bot.understanding.pipeline import Directory
    from bot.understanding.words import TopicDocument

    name = "Regional EMEA Customer Data Platform Operations Team"
    documents = [TopicDocument(1, name), TopicDocument(2, "Payroll")]
    index = TopicIndex([IndexEntry(1, name, False), IndexEntry(2, "Payroll", False)])

    def no_model(_directory):
        raise AssertionError("the model was consulted for an exact name")

    decision = understand(f"who is the POC for {name.lower()}?", Directory(documents, index, no_model))

    assert decision.verdict is Verdict.sure and decision.topic_id == 1 and not decision.semantic


def test_when_the_right_topic_is_almost_surely_among_a_few_each_choice_names_its_poc(
        demo_bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.messages import Why
    from bot.render import render_text
    from bot.services import lookup
    from bot.understanding.decision import Candidate, Decision

    def likely(message, directory):
        topics = {d.name: d.topic_id for d in directory.order}
        picks = [Candidate(topics["Health Benefits"], 0.6, Why("meaning")),
                 Candidate(topics["Pension Benefits"], 0.4, Why("meaning"))]
        return Decision(Verdict.likely, tuple(picks), "my dentist bill", True, 0.6, 0.97, offered=2)

    monkeypatch.setattr(lookup, "understand", likely)
    reply = ask(demo_bot, "does our plan pay for the dentist?")

    assert reply.kind is ReplyKind.suggestions and len(reply.choices) == 2
    assert all(c.primary is not None for c in reply.choices) and len(named(reply)) <= 2
    text = render_text(reply)
    assert "most likely one of these" in text and all(f"POC {c.primary.name}" in text for c in reply.choices)


def test_a_likely_answer_offers_the_best_three_however_far_behind_the_third_is(
        demo_bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Naming three POCs when the right topic is almost surely among them beats naming one or two
    and missing it: the count does not shrink with the runner-up's score."""
    from bot.understanding import calibration as cal

    monkeypatch.setattr(cal, "SURE", 1.01)  # never sure ...
    monkeypatch.setattr(cal, "LIKELY", 0.0)  # ... always likely
    reply = ask(demo_bot, "my screen flickers when I plug my laptop into the dock")

    assert reply.kind is ReplyKind.suggestions and len(reply.choices) == cal.LIKELY_OFFERS == 3
    assert all(c.primary is not None for c in reply.choices)


@pytest.mark.parametrize(("likely", "private", "expected"), [(0.99, False, Verdict.likely), (0.99, True, Verdict.close),
                                                             (0.5, False, Verdict.close)])
def test_choices_name_their_pocs_only_when_almost_surely_right_and_never_on_private_life(
        likely: float, private: bool, expected: Verdict) -> None:
    from bot.understanding import calibration as cal

    assert cal.verdict(0.5, True, 1.0, 3.0, private, likely) is expected


@pytest.mark.parametrize(("text", "query"), [
    ("Can you tell me who's responsible for health and safety?", "health and safety"),
    ("does anyone know who handles payroll?", "payroll"),
    ("¿A quién le mando los gastos del viaje?", "gastos del viaje"),
    ("¿a quién se lo pido?", ""),
    ("¿Sabes quién lleva las nóminas?", "nominas"),
])
def test_a_polite_way_in_and_spanish_verbs_of_asking_are_peeled_off(text: str, query: str) -> None:
    assert find_need(text).query == query


@pytest.mark.parametrize(("text", "query"), [
    ("question about the drug formulary, who do I ask", "drug formulary"),
    ("need someone from legal, who would that be", "legal"),
    ("pre-employment checks - who's the contact?", "pre employment checks"),
    ("se me ha perdido la tarjeta de acceso, ¿quién me da otra?", "se me ha perdido la tarjeta de acceso"),
    ("who knows who handles payroll", "who knows who handles payroll"),  # not only asking words after "who"
])
def test_a_question_asked_after_its_topic_keeps_the_topic(text: str, query: str) -> None:
    assert find_need(text).query == query


def test_description_parts_are_its_clauses_with_the_topic_name() -> None:
    from bot.understanding.meaning import description_parts

    assert description_parts("Facilities", "Building repairs, leaks and heating; lifts (elevators).") == [
        "Facilities: Building repairs", "Facilities: leaks", "Facilities: heating", "Facilities: lifts",
        "Facilities: elevators"]
    assert description_parts("Payroll", "Everything about pay.") == []  # one clause: the topic's vector says it


@pytest.mark.parametrize("text, expected", [
    ("who handles security at Primavera Sound this year?", True),
    ("who handles the parking fine I got in Seville last weekend?", True),
    ("I did four night shifts in May and the extra money isn't there", False),  # a month, not a place
    ("who handles the canteen menu at the Madrid office?", False),  # the directory knows Madrid
    ("who handles security at the office?", False),  # not a name
])
def test_places_the_directory_does_not_know_are_noticed(text: str, expected: bool) -> None:
    known = {"madrid", "office", "security", "canteen"}
    assert names_elsewhere(text, lambda word: word in known) is expected


@pytest.mark.parametrize("text, expected", [
    ("who handles the shipping for my vinted parcel that never arrived", True),
    ("who do i contact for quality complaints about my new iphone", True),
    ("¿quién lleva las citas con mi peluquero?", False),  # Spanish to an English directory: unknown words are many
    ("my screen flickers when I plug in the dock", False),  # what follows the thing says nothing of whose
    ("my laptop screen is broken, who can help?", False),  # the directory knows laptops and screens
    ("who handles my brand new iphone?", True),  # past a run of qualities
    ("my sister wants to apply here, who do I tell?", False),  # people of one's own, not things
    ("my team lead is away, who signs this off?", False),  # people at work too
    ("my line manager and my supervisors are out", False),
    ("I hurt my wrist lifting a box, where do I report it?", False),  # an injury at work
    ("who handles my maternity leave for my twins?", False),  # time off is work
    ("who handles the shipping for the parcel?", False),  # nothing of one's own
])
def test_a_thing_of_the_askers_own_that_no_topic_knows_is_noticed(text: str, expected: bool) -> None:
    known = {"laptop", "screen", "broken", "help", "shipping", "parcel", "quality", "complaints", "new", "apply",
             "handles", "contact", "tell"}
    assert owns_unknown(text, lambda word: word in known) is expected


def test_however_certain_the_scores_a_thing_of_the_askers_own_no_topic_knows_names_nobody(
        demo_bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """"Parking for my campervan" shares a topic's word; the campervan is the asker's, not the company's."""
    from bot.understanding import calibration as cal

    monkeypatch.setattr(cal, "SURE", 0.0)  # every answer would be sure ...
    monkeypatch.setattr(cal, "LIKELY", 0.0)  # ... or likely
    assert not named(ask(demo_bot, "who handles parking for my campervan?"))
    assert named(ask(demo_bot, "who handles parking for the office?"))  # the guard, not the thresholds
    assert not named(ask(demo_bot, "My campervan needs a space. Who handles parking?"))  # two sentences, one question
    assert named(ask(demo_bot, "Hi all! Lovely weekend at the lake with my campervan, great weather and great "
                     "food, the kids loved it. Back to work now. Anyway: who handles parking for the office?"))
    # a chatty message's asides ("my campervan") are no guard


def test_a_likely_answer_needs_a_known_word_or_a_meaning_that_stands_out() -> None:
    from bot.understanding import calibration as cal

    assert cal.verdict(0.5, True, 0.0, 0.0, likely=0.99) is Verdict.nothing  # "'; DROP TABLE topic; --"
    assert cal.verdict(0.5, True, 0.5, 0.0, likely=0.99) is Verdict.likely
    assert cal.verdict(0.5, True, 0.0, cal.MEANING_CLOSE, likely=0.99) is Verdict.likely


def test_the_rest_of_a_question_is_weighed_apart_from_the_words_a_topic_explains(demo_bot: Bot) -> None:
    from bot.understanding.pipeline import _rest, evidence
    from store.db import read_session

    with read_session(demo_bot.engine) as session:
        directory = demo_bot.directory.get(session=session).understanding
    need = find_need("who handles parking at my sister's wedding in the mountains?")
    words, found = evidence(need, directory)

    assert "parking" not in _rest(words, directory).split() and "wedding" in _rest(words, directory).split()
    assert {"rest_best", "rest_off", "rest_z", "elsewhere"} <= set(found)
    assert _rest(directory.words.score(["parking"]), directory) == ""  # all explained: nothing apart


def test_every_fitted_weight_reads_a_feature_the_evidence_provides() -> None:
    """A weight whose feature was renamed or dropped would silently stop counting (or fail at rank)."""
    import numpy as np

    from bot.understanding import calibration as cal
    from bot.understanding.words import WordScores

    n = 4
    meaning = {name: np.linspace(0.1, 0.4, n, dtype=np.float32)
               for name in ("full", "head", "sentence", "part", "phrase", "elsewhere", "mine", "off_work")}
    meaning.update({name: np.zeros(n, dtype=np.float32) for name in ("rest_best", "rest_off", "rest_z")})
    found = cal.features(WordScores(np.zeros(n, dtype=np.float32), ("leak",), np.ones(1), 0.5), meaning)

    assert set(cal.RANK) - {"bias"} == set(cal.FEATURES) <= set(found)
    assert np.allclose(found["full_sq"], found["full"] ** 2)
    assert np.allclose(found["full_part"], found["full"] * found["part"])
    assert cal.rank(found).shape == (n,)


def test_a_spanish_word_the_directory_does_not_know_is_matched_by_its_english() -> None:
    from bot.understanding.glossary import spanish_to_english
    from bot.understanding.words import TopicDocument, WordIndex

    index = WordIndex([TopicDocument(1, "IT Service Desk", description="Forgotten passwords and broken laptops."),
                       TopicDocument(2, "Payroll", aliases=("nóminas",), description="Payslips and pay errors.")])
    bridge = spanish_to_english()
    words = ["olvidado", "contrasena", "portatil"]

    bridged = index.score(words, bridge=bridge)
    assert bridged.known == 1.0 and list(bridged.scores).index(max(bridged.scores)) == 0
    assert index.score(words).known == 0.0  # without the bridge (an English question): unknown words
    assert index.stems("nominas", bridge) == index.stems("nominas")  # the directory's own Spanish comes first
    assert [h.word for h in index.hits(words, 1, {1: TopicDocument(1, "IT Service Desk", description=
            "Forgotten passwords and broken laptops.")}, bridged.stems)] == words


def test_every_glossary_line_is_a_spanish_word_the_bot_reads_and_english_it_can_match() -> None:
    from bot.understanding.glossary import PATH
    from bot.understanding.vocabulary import STOP_WORDS, content_words

    lines = PATH.read_text(encoding="utf-8").splitlines()
    pairs = [line.split("\t") for line in lines]
    keys = [pair[0] for pair in pairs]
    # English words, misleading Spanish phrases ("a cargo de", "he estado") and generic translations stay out
    left_out = {"personal", "red", "local", "extra", "plus", "cargo", "estado", "parte", "falta", "seguro", "equipo"}
    generic = {"work", "problem", "issue", "new", "change", "day", "system", "service"}

    assert len(lines) > 500 and all(len(pair) == 2 for pair in pairs)  # one tab per line
    assert len(set(keys)) == len(keys)
    assert all(key.isascii() and key.isalpha() and key == key.lower() for key in keys)  # folded, one word
    assert not set(keys) & (STOP_WORDS | left_out)  # a stop word is never looked up
    assert all(content_words(english) for _, english in pairs)  # nothing reduced to stop words
    assert not {w for _, english in pairs for w in english.split()} & generic


def test_only_a_question_read_as_spanish_is_bridged(demo_bot: Bot) -> None:
    from bot.understanding.pipeline import evidence
    from store.db import read_session

    with read_session(demo_bot.engine) as session:
        directory = demo_bot.directory.get(session=session).understanding
    spanish, _ = evidence(find_need("¿a quién le paso una queja de un cliente?"), directory)
    english, _ = evidence(find_need("who do I pass a client's queja to?"), directory)

    assert spanish.stems[spanish.words.index("queja")] == variants("complaint")  # the demo knows complaints
    assert english.stems == tuple(variants(w) for w in english.words)  # English: the words' own stems only
    assert spanish.known > english.known
