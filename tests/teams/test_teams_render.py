"""Replies as Adaptive Cards: Teams markdown, mentions only of real people, user text inert."""
from __future__ import annotations

from bot.messages import Action, PersonView, Reply, ReplyKind
from integrations.teams import render

QUINN = PersonView(1, "Quinn Adams", "quinn@acme.test", teams_id="29:1quinn")
SLACK_ONLY = PersonView(2, "Sam <Slack>", "sam@acme.test", slack_id="U0SAM")


def test_user_text_can_form_no_emphasis_link_or_mention() -> None:
    typed = "**urgent** _now_ [x](https://evil.test) <at>Everyone</at> `code` ~~gone~~ \\"

    assert render.escape(typed) == (
        "\\*\\*urgent\\*\\* \\_now\\_ \\[x\\](https://evil.test) \\<at\\>Everyone\\</at\\> "
        "\\`code\\` \\~\\~gone\\~\\~ \\\\")


def test_user_text_cannot_start_new_lines() -> None:
    assert render.escape("travel\n- item\n\n# title") == "travel - item # title"


def test_the_catalogues_bold_becomes_card_bold_but_escaped_stars_stay_text() -> None:
    reply = Reply(ReplyKind.unknown, "en", query="a*b*c")

    text = render.card_text(render.reply_card(reply))

    assert "a\\*b\\*c" in text and "**" not in text.replace("\\*", "")


def test_people_with_a_teams_id_are_mentioned_once_each_others_are_named() -> None:
    mentions = render.Mentions()

    said = [mentions.mention(QUINN), mentions.mention(QUINN), mentions.mention(SLACK_ONLY)]

    assert said == ["<at>Quinn Adams</at>", "<at>Quinn Adams</at>", "Sam \\<Slack\\>"]
    assert mentions.entities == [
        {"type": "mention", "text": "<at>Quinn Adams</at>", "mentioned": {"id": "29:1quinn", "name": "Quinn Adams"}}]


def test_buttons_carry_their_action_and_value_and_long_labels_are_cut() -> None:
    actions = (Action("lookup", "x" * 100, "7"), Action("inquiry_resolved", "Resolved", "12:es"),
               Action("share", "Share", "7"))

    buttons = render.buttons(actions, "en")

    assert [b["data"] for b in buttons] == [{"pocbot": "lookup", "value": "7:en"},
                                            {"pocbot": "inquiry_resolved", "value": "12:es"}]
    assert len(buttons[0]["title"]) == 75 and buttons[0]["title"].endswith("…")


def test_a_card_is_an_adaptive_card_teams_renders() -> None:
    card = render.reply_card(Reply(ReplyKind.help, "es"))

    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = card["content"]
    assert (content["type"], content["version"]) == ("AdaptiveCard", "1.4")
    assert all(block["type"] == "TextBlock" and block["wrap"] for block in content["body"])
    assert "**pocbot**" in render.card_text(card)
