"""Messages about state are checked as they go out: one delivered late must not say what
is no longer true (a digest listing a question answered since, a nudge about it)."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from store import inquiries
from store.models import OutboxMessage

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
    count = max(len(kept), inquiries.waiting_count(session=session, person_id=person))
    return OutboxMessage(**{**message.model_dump(), "payload": {**payload, "inquiries": kept, "count": count}})


def _waiting(session: Session, inquiry_ids: list[int], assignee: Any) -> set[int]:
    """Those of the inquiries that still wait, for this assignee when one is named."""
    if not inquiry_ids:
        return set()
    return inquiries.still_waiting(session=session, inquiry_ids=inquiry_ids,
                                   assignee=int(assignee) if assignee is not None else None)
