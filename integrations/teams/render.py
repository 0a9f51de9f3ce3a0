"""Core replies and notices as Adaptive Cards: Teams markdown, real mentions, Action.Submit buttons."""
from __future__ import annotations

import re
from typing import Any

from bot.i18n import t
from bot.messages import Action, PersonView, Reply
from bot.render import Style, render_text
from integrations.teams.addresses import is_channel

CARD = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"  # what Teams renders on desktop, web and mobile
ACTION_KEY = "pocbot"  # Action.Submit data: {"pocbot": action id, "value": "<id>:<lang>"}
QUERY_KEY = "query"  # a close call's question, carried by its choices
PICK_QUERY_LIMIT = 300
QUESTION_INPUT = "question"
_TEXT_LIMIT = 10_000
_LABEL_LIMIT = 75
_QUESTION_LIMIT = 2000
# The catalogue writes Slack's *bold*; Adaptive Card markdown wants **bold**.
_BOLD = re.compile(r"(?<![\\*])\*(?!\*)(.+?)(?<!\\)\*")
# Card markdown has no code spans or quotes: the catalogue's `commands` show as ‘commands’,
# and a "> " quote line as an indented bar. Escaped (user) backticks are left alone.
_CODE = re.compile(r"(?<!\\)`(.+?)(?<!\\)`")
_QUOTE = re.compile(r"^> ")
# What Adaptive Card markdown or a Teams mention could make of user text.
_SPECIAL = re.compile(r"([\\*_\[\]<>`~])")


def escape(text: str) -> str:
    """User text stays text: no emphasis, link or <at> mention can be formed from it."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def plain_channel(channel: str) -> str:
    """A Teams channel has no inline link without its team, so it is shown as text."""
    if is_channel(channel):
        return escape(channel)
    return escape(channel if channel.startswith("#") else f"#{channel}")


class Mentions:
    """Collects the people mentioned while rendering; the card lists them as msteams entities."""

    def __init__(self) -> None:
        self.entities: list[dict[str, Any]] = []

    def mention(self, person: PersonView) -> str:
        if not person.teams_id:
            return escape(person.name)
        name = re.sub(r"[<>\\]", "", person.name) or person.teams_id
        text = f"<at>{name}</at>"
        if all(e["mentioned"]["id"] != person.teams_id for e in self.entities):
            self.entities.append({"type": "mention", "text": text,
                                  "mentioned": {"id": person.teams_id, "name": name}})
        return text

    def style(self) -> Style:
        return Style(mention=self.mention, channel=plain_channel, escape=escape)


def reply_card(reply: Reply, *, shared_by: PersonView | None = None) -> dict[str, Any]:
    """The reply as a card; its actions become buttons (Ask opens a question box)."""
    mentions = Mentions()
    text = render_text(reply, mentions.style())
    if shared_by is not None:
        text += "\n" + t(reply.lang, "shared_by", person=mentions.mention(shared_by))
    actions = [] if shared_by is not None else buttons(reply.actions, reply.lang, reply.query)
    return card(text, actions, mentions)


def notice_card(text: str, actions: tuple[Action, ...], lang: str, mentions: Mentions) -> dict[str, Any]:
    return card(text, buttons(actions, lang), mentions)


def card(text: str, actions: list[dict[str, Any]], mentions: Mentions) -> dict[str, Any]:
    """An Adaptive Card attachment: one TextBlock a line (Teams joins single newlines)."""
    marked = _CODE.sub("‘\\1’", _BOLD.sub(r"**\1**", text[:_TEXT_LIMIT]))
    lines = [_QUOTE.sub("┃ ", line) for line in marked.split("\n")]
    body = [{"type": "TextBlock", "text": line or " ", "wrap": True, "spacing": "Small"} for line in lines]
    content: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
                               "msteams": {"width": "Full"}}
    if actions:
        content["actions"] = actions
    if mentions.entities:
        content["msteams"]["entities"] = mentions.entities
    return {"contentType": CARD, "content": content}


def buttons(actions: tuple[Action, ...], lang: str, query: str = "") -> list[dict[str, Any]]:
    """Action.Submit per action. Share is left out: every Teams reply is seen by the whole
    conversation already (Slack needs it because /poc answers are private)."""
    found = []
    for action in actions:
        value = action.value if ":" in action.value else f"{action.value}:{lang}"
        if action.id == "share":
            continue
        if action.id == "ask":
            found.append(_ask(t(lang, "button_ask", person=action.label), value, lang))
        elif action.id == "pick":  # a close call's choice: the question goes along, to learn from
            choice = submit(action.label, action.id, value)
            choice["data"][QUERY_KEY] = query[:PICK_QUERY_LIMIT]
            found.append(choice)
        else:
            found.append(submit(action.label, action.id, value))
    return found


def submit(label: str, action_id: str, value: str) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": _label(label), "data": {ACTION_KEY: action_id, "value": value}}


def _ask(label: str, value: str, lang: str) -> dict[str, Any]:
    """Ask shows a box for the question; its Send submits the question with the topic."""
    box = {"type": "Input.Text", "id": QUESTION_INPUT, "isMultiline": True, "maxLength": _QUESTION_LIMIT,
           "placeholder": t(lang, "modal_ask_placeholder")}
    inner = {"type": "AdaptiveCard", "body": [box], "actions": [submit(t(lang, "modal_ask_submit"), "ask", value)]}
    return {"type": "Action.ShowCard", "title": _label(label), "card": inner}


def _label(label: str) -> str:
    return label if len(label) <= _LABEL_LIMIT else label[: _LABEL_LIMIT - 1] + "…"


def card_text(attachment: dict[str, Any]) -> str:
    """The card's text as one string (logs and tests)."""
    return "\n".join(block["text"] for block in attachment["content"]["body"] if block["type"] == "TextBlock")
