"""The parser: commands, question frames in English and Spanish, and bad input."""
from __future__ import annotations

import pytest

from bot.i18n import catalogue, detect_language, languages
from bot.parse import parse


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("who is the POC for laptop onboarding?", "laptop onboarding"),
        ("Who's the point of contact for Payroll, please?", "payroll"),
        ("who do I talk to about visa letters", "visa letters"),
        ("contact for parking permits", "parking permits"),
        ("poc travel", "travel"),
        ("travel?", "travel"),
        ("who payroll", "payroll"),
        ("<@U0BOT> who owns billing?", "billing"),
        ("<at>pocbot</at> who owns billing?", "billing"),
        ("¿quién es el punto de contacto para vacaciones?", "vacaciones"),
        ("¿con quién hablo sobre los contratos?", "contratos"),
        ("contact center", "contact center"),
        ("point of sale", "point of sale"),
    ],
)
def test_questions_are_reduced_to_their_topic(text, query):
    command = parse(text)
    assert (command.name, command.argument) == ("who", query)


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "🙂🙂", "!!!", "\x00\x01\x02", "poc", "who", "who is the poc for"])
def test_messages_without_a_topic_ask_for_usage(text):
    assert parse(text).name == "empty"


@pytest.mark.parametrize("text", ["x" * 10_000, "word " * 2_000, "who is the poc for " + "a" * 300, "y" * 50_000])
def test_long_messages_are_lookups_read_up_to_slacks_limit(text):
    command = parse(text)
    assert command.name == "who"
    assert 0 < len(command.text) <= 40_000


@pytest.mark.parametrize("text", ["help", "HELP", "ayuda", "?", "help me", "help please"])
def test_help_in_any_language(text):
    assert parse(text).name == "help"


def test_spanish_questions_are_detected_as_spanish():
    assert detect_language("¿quién es el punto de contacto para vacaciones?") == "es"
    assert detect_language("con quien hablo sobre los contratos") == "es"
    assert detect_language("who is the poc for travel?") == "en"
    assert detect_language("travel?", default="es") == "es"


def test_every_language_has_every_reply_text():
    english = set(catalogue("en"))
    for lang in languages():
        assert set(catalogue(lang)) == english, lang


@pytest.mark.parametrize("text, name, argument", [
    ("ask Payroll How do I\nchange it?", "ask", "Payroll How do I\nchange it?"),
    ("answered #12", "answered", "#12"), ("pasarla 7", "hand_off", "7"), ("answered", "answered", ""),
    ("answered the phone", "who", "answered the phone"),  # a lookup: the inquiry words take a number
    ("pregunta sobre nóminas", "who", "pregunta sobre nominas"), ("pasar la nómina", "who", "pasar la nomina"),
    ("statistics", "who", "statistics"), ("stats payroll", "stats", "payroll"),
])
def test_inquiry_words_are_commands_only_in_their_own_shape(text, name, argument):
    command = parse(text)
    assert (command.name, command.argument) == (name, argument)


def test_a_question_put_to_a_poc_keeps_its_whole_length():
    question = "why? " * 8_000
    assert parse("ask payroll " + question).argument == ("payroll " + question).strip()


@pytest.mark.parametrize("text", ["help desk", "Help! my laptop won't start", "ayuda con la nómina"])
def test_help_followed_by_a_topic_or_a_problem_is_a_lookup(text):
    command = parse(text)
    assert command.name == "who" and command.text
