"""Messages about state are checked as they go out: one delivered late must not say what
is no longer true (a digest listing a question answered since, a nudge about it)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from store.models import INQUIRY_WAITING, Inquiry, OutboxMessage

# Each says "this inquiry still waits for its assignee": false once answered, closed or handed on.
ABOUT_A_WAIT = frozenset({"inquiry_nudge", "inquiry_escalation", "inquiry_channel", "inquiry_progress"})


def refresh(session: Session, message: OutboxMessage) -> OutboxMessage | None:
    """The message as it should go now, or None when nothing in it is still true."""
    payload = message.payload or {}
    if message.kind == "digest_poc":
        return _poc_digest(session, message, payload)
    if message.kind in ABOUT_A_WAIT and payload.get("inquiry_id"):
        assignee = (payload.get("assignee") or {}).get("id")
        return message if _waiting(session, [int(payload["inquiry_id"])], assignee) else None
    return message


def _poc_digest(session: Session, message: OutboxMessage, payload: dict[str, Any]) -> OutboxMessage | None:
    """Only the listed inquiries still waiting for this POC, and today's count of them."""
    person = (payload.get("person") or {}).get("id")
    items = payload.get("inquiries") or []
    still = _waiting(session, [int(item["id"]) for item in items], person)
    kept = [item for item in items if int(item["id"]) in still]
    if not kept:
        return None
    if len(kept) == len(items):
        return message
    waiting = select(func.count()).select_from(Inquiry).where(
        Inquiry.assignee_person_id == person, Inquiry.status.in_(INQUIRY_WAITING))
    count = max(len(kept), session.execute(waiting).scalar_one())
    return OutboxMessage(**{**message.model_dump(), "payload": {**payload, "inquiries": kept, "count": count}})


def _waiting(session: Session, inquiry_ids: list[int], assignee: Any) -> set[int]:
    """Those of the inquiries that still wait, for this assignee when one is named."""
    if not inquiry_ids:
        return set()
    wanted = select(Inquiry.id).where(Inquiry.id.in_(inquiry_ids), Inquiry.status.in_(INQUIRY_WAITING))
    if assignee is not None:
        wanted = wanted.where(Inquiry.assignee_person_id == int(assignee))
    return set(session.execute(wanted).scalars())
