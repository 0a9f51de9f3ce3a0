"""The text of outbox messages (announcements and DMs), from their neutral payload."""
from __future__ import annotations

from typing import Any, Protocol

from bot.digest import render_digest
from bot.i18n import t
from bot.inquiry_actions import ASKER_ACTIONS, RESPONDER_ACTIONS, InquiryAction
from bot.messages import Action, PersonView
from bot.platforms import stranger_view
from bot.render import PLAIN, Style


class Notice(Protocol):
    kind: str
    payload: dict[str, Any]


def render_notice(message: Notice, style: Style = PLAIN) -> str:
    payload = message.payload
    lang = payload.get("lang", "en")
    if "text" in payload and "change" not in payload:  # a plain message (e.g. from a job)
        return style.escape(str(payload["text"]))
    if message.kind.startswith("inquiry_"):
        return _inquiry(message.kind, payload, style, lang)
    if message.kind.startswith("digest_"):
        return render_digest(message.kind, payload, style)
    if message.kind == "channel_unreachable":
        topic = style.escape(payload.get("topic") or "")
        return t(lang, "channel_unreachable" if topic else "channel_unreachable_any",
                 channel=style.channel(str(payload.get("channel", ""))), topic=topic)
    key = f"notice_{payload['change']}" if message.kind == "announcement" else message.kind
    if key == "dm_primary_new" and not payload.get("previous"):
        key = "dm_primary_first"  # nobody held it before: nobody to ask for context
    reason = (payload.get("reason") or "").strip().rstrip(".")
    return t(
        lang, key,
        topic=style.escape(payload.get("topic", "")),
        person=_person(payload.get("person"), style, lang),
        previous=_person(payload.get("previous"), style, lang),
        actor=_actor(payload, style, lang),
        when=str(payload.get("effective_at", ""))[:10],
        reason=t(lang, "reason_suffix", reason=style.escape(reason)) if reason else "",
    )


def _inquiry(kind: str, payload: dict[str, Any], style: Style, lang: str) -> str:
    """Introductions, nudges, escalations, and the progress posted where the asker can see it."""
    key = kind
    if kind == "inquiry_progress":
        key = f"{kind}_{payload.get('level', 0)}" + ("_here" if payload.get("nudge_here") else "")
    elif kind == "inquiry_update":
        key = f"{kind}_{payload.get('event')}"
    elif kind == "inquiry_intro":
        key = "inquiry_intro" + ("_cover" if payload.get("away") else "") + ("" if payload.get("shared") else "_direct")
    channel = payload.get("channel")
    return t(
        lang, key,
        by=_person(payload.get("by"), style, lang), person=_person(payload.get("person"), style, lang),
        previous=_person(payload.get("previous"), style, lang), away=_person(payload.get("away"), style, lang),
        count=payload.get("count", 0), id=payload.get("inquiry_id", ""),
        topic=style.escape(payload.get("topic", "")),
        question=style.escape(payload.get("question", "")),
        asker=_asker(payload.get("asker") or {}, style, lang),
        assignee=_person(payload.get("assignee"), style, lang),
        backups=", ".join(_person(b, style, lang) for b in payload.get("backups") or []) or t(lang, "nobody"),
        # Progress names who was reminded without mentioning them: they had their own message.
        assignee_name=_name(payload.get("assignee"), style, lang),
        backup_names=", ".join(_name(b, style, lang) for b in payload.get("backups") or []) or t(lang, "nobody"),
        channel=style.channel(channel) if channel else t(lang, "nobody"),
        n=payload.get("nudges_sent", 0), max=payload.get("max_nudges", 0),
    )


# The buttons each inquiry message carries: what its readers may do next.
_ACTIONS = {
    "inquiry_intro": RESPONDER_ACTIONS + ASKER_ACTIONS, "inquiry_handoff": RESPONDER_ACTIONS,
    "inquiry_nudge": RESPONDER_ACTIONS, "inquiry_escalation": (InquiryAction.answered, InquiryAction.on_it),
    "inquiry_channel": (InquiryAction.answered,),
}
# After an update (its event is the action taken), the other side's buttons.
_AFTER = {
    InquiryAction.answered: ASKER_ACTIONS, InquiryAction.on_it: ASKER_ACTIONS,
    InquiryAction.more_help: RESPONDER_ACTIONS,
}


def notice_actions(message: Notice) -> tuple[Action, ...]:
    """Buttons for an outbox message (ids 'inquiry_<action>', value '<inquiry id>:<lang>')."""
    payload = message.payload or {}
    if not payload.get("inquiry_id"):
        return ()
    if message.kind == "inquiry_update":
        wanted = _AFTER.get(InquiryAction.named(payload.get("event")), ())
    else:
        wanted = _ACTIONS.get(message.kind, ())
    if message.kind == "inquiry_progress" and payload.get("nudge_here"):
        wanted = RESPONDER_ACTIONS  # the nudge itself, posted where the assignee was asked
    if message.kind == "inquiry_intro" and not payload.get("shared"):
        wanted = RESPONDER_ACTIONS  # only the POC sees a direct introduction
    lang, value = payload.get("lang", "en"), f"{payload['inquiry_id']}:{payload.get('lang', 'en')}"
    return tuple(Action(action.button_id, t(lang, action.label_key), value) for action in wanted)


def _asker(asker: dict[str, Any], style: Style, lang: str) -> str:
    if asker.get("person"):
        return _person(asker["person"], style, lang)
    stranger = stranger_view(asker.get("platform"), asker.get("user_id"))
    return style.mention(stranger) if stranger else t(lang, "someone")


def _actor(payload: dict[str, Any], style: Style, lang: str) -> str:
    """Who made the change: a mention when they are a person, else as recorded (an import)."""
    if payload.get("actor_person"):
        return _person(payload["actor_person"], style, lang)
    return style.escape(str(payload.get("actor", "")))


def _name(data: dict[str, Any] | None, style: Style, lang: str) -> str:
    return style.escape(data["name"]) if data else t(lang, "nobody")


def _person(data: dict[str, Any] | None, style: Style, lang: str) -> str:
    if not data:
        return t(lang, "nobody")
    return style.mention(PersonView(data["id"], data["name"], data["email"], data.get("slack_id"), data.get("teams_id")))
