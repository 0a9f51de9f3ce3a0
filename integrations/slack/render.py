"""Core replies as Slack mrkdwn and Block Kit."""
from __future__ import annotations

from bot.core import Home
from bot.i18n import t
from bot.messages import PersonView, Reply, ReplyKind, TopicAnswer
from bot.nudges import shorten
from bot.services.context import view
from bot.services.stats import failure
from bot.render import Style, render_text
from integrations.slack.addresses import is_channel


_SECTION_LIMIT = 3000
ACTION_PREFIX = "poc_"  # this app's buttons: "poc_share", "poc_inquiry_answered" (the core's id after it)
_LABEL_LIMIT = 75


def escape(text: str) -> str:
    """Slack's three control characters: no user text can form a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(person: PersonView) -> str:
    return f"<@{person.slack_id}>" if person.slack_id else escape(person.name)


def channel(name: str) -> str:
    if is_channel(name):
        return f"<#{name}>"
    return escape(name if name.startswith("#") else f"#{name}")


STYLE = Style(mention=mention, channel=channel, escape=escape)


def text(reply: Reply) -> str:
    return render_text(reply, STYLE)[:_SECTION_LIMIT]


def blocks(reply: Reply, *, shareable: bool = True) -> list[dict]:
    """A section with the reply, then its buttons (share, ask, or one per suggestion)."""
    result: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": text(reply)}}]
    buttons = _buttons(reply, shareable=shareable)
    if buttons:
        result.append({"type": "actions", "block_id": "poc_actions", "elements": buttons})
    return result


def shared_blocks(reply: Reply, user_id: str) -> list[dict]:
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Shared by <@{user_id}>"}]}
    return [*blocks(reply, shareable=False)[:1], note]


def _buttons(reply: Reply, *, shareable: bool) -> list[dict]:
    lang = reply.lang
    if reply.kind in (ReplyKind.suggestions, ReplyKind.unknown):
        # A close call's choice carries the question, so that picking it can teach the bot.
        return [
            button(f"poc_{action.id}_{n}", action.label,
                   f"{action.value}:{lang}" + (f":{reply.query[:PICK_QUERY_LIMIT]}" if action.id == "pick" else ""))
            for n, action in enumerate(reply.actions)
            if action.id in ("lookup", "pick")
        ]
    found = []
    for action in reply.actions:
        if action.id == "share" and shareable:
            found.append(button("poc_share", t(lang, "button_share"), f"{action.value}:{lang}"))
        elif action.id == "ask":
            found.append(button("poc_ask", t(lang, "button_ask", person=action.label), f"{action.value}:{lang}"))
    return found


def button(action_id: str, label: str, value: str) -> dict:
    if len(label) > _LABEL_LIMIT:
        label = label[: _LABEL_LIMIT - 1] + "…"
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": label}, "value": value}


PICK_QUERY_LIMIT = 300  # well under the 2,000 characters of a button value
MODAL_BLOCK = "question"
_MODAL_INPUT = "text"


def ask_modal(answer: TopicAnswer, lang: str, meta: str) -> dict:
    """The Ask button's form: one question, for the topic's POC."""
    label = t(lang, "modal_ask_label", person=answer.primary.name if answer.primary else "", topic=answer.topic)
    return {
        "type": "modal", "callback_id": "poc_ask_modal", "private_metadata": meta,
        "title": {"type": "plain_text", "text": t(lang, "modal_ask_title")[:24]},
        "submit": {"type": "plain_text", "text": t(lang, "modal_ask_submit")[:24]},
        "blocks": [{
            "type": "input", "block_id": MODAL_BLOCK,
            "label": {"type": "plain_text", "text": label[:2000]},
            "element": {"type": "plain_text_input", "action_id": _MODAL_INPUT, "multiline": True,
                        "max_length": 3000, "placeholder": {"type": "plain_text", "text": t(lang, "modal_ask_placeholder")}},
        }],
    }


def modal_question(view: dict) -> str:
    value = ((view.get("state") or {}).get("values") or {}).get(MODAL_BLOCK, {}).get(_MODAL_INPUT, {}).get("value")
    return str(value or "")


def home_view(home: Home, lang: str) -> dict:
    """The App Home tab: what I hold, what I asked lately, and how to ask."""
    holds = "\n".join(
        f"• *{escape(name)}* ({t(lang, 'home_' + kind.value)})" for name, kind in home.holds
    ) or t(lang, "home_holds_none")
    asked = "\n".join(
        f"• {escape(text_)} → *{escape(topic)}*" if topic else f"• {escape(text_)}"
        for _, text_, topic in home.recent
    ) or t(lang, "home_recent_none")
    sections = [
        ("home_waiting_title", _waiting(home, lang)), ("home_asked_title", _asked(home, lang)),
        ("home_holds_title", holds), ("home_recent_title", asked), ("home_help_title", t(lang, "help")),
    ]
    if home.failed:  # admins only: a delivery given up must not vanish in a log
        sections.insert(0, ("home_failed_title", "\n".join(
            t(lang, "home_failed_line", **{k: escape(str(v)) for k, v in failure(row).items()}) for row in home.failed)))
    blocks_: list[dict] = []
    for title, body in sections:
        blocks_.append({"type": "header", "text": {"type": "plain_text", "text": t(lang, title)}})
        blocks_.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:_SECTION_LIMIT]}})
    return {"type": "home", "blocks": blocks_}


def _asker(user_platform: str, user_id: str) -> str:
    return f"<@{user_id}>" if user_platform == "slack" else escape(user_id)


def _waiting(home: Home, lang: str) -> str:
    lines = [f"• #{i.id} *{escape(topic)}* from {_asker(i.asker_platform, i.asker_user_id)}: "
             f"“{escape(shorten(i.question, 150))}”" for i, topic in home.waiting]
    return "\n".join(lines) or t(lang, "home_waiting_none")


def _asked(home: Home, lang: str) -> str:
    lines = [f"• #{i.id} *{escape(topic)}* → {mention(view(person))}: {t(lang, 'status_' + i.status)}"
             for i, topic, person in home.asked]
    return "\n".join(lines) or t(lang, "home_asked_none")
