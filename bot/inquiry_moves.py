"""When a topic's POC changes, its waiting inquiries move to whoever answers now; both are told."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.addresses import person_address, person_payload
from bot.nudges import NudgePolicy, due_after
from store import inquiries
from store.directory import current_assignments
from store.models import DirectoryChange, Person, Topic
from store import outbox
from store.outbox import NewMessage


def move_inquiries(*, session: Session, change: DirectoryChange, topic: Topic, now: datetime,
                   lang: str = "en", defaults: NudgePolicy = NudgePolicy()) -> int:
    """Move the previous POC's waiting inquiries on this topic; returns the outbox rows written.

    A handover gives them to the new POC; an unassignment to the first backup, if any
    (with nobody, they stay and the sweep escalates them to the channel in time).
    """
    if change.kind not in ("primary", "unassign") or not change.previous_person_id:
        return 0
    to_id = change.person_id or _first_backup(session, topic.id or 0, now)
    if to_id is None or to_id == change.previous_person_id:
        return 0
    due = due_after(session=session, person_id=to_id, topic_id=topic.id or 0, start=now, defaults=defaults)
    moved = inquiries.move_waiting(session=session, topic_id=topic.id or 0, from_person=change.previous_person_id,
                                   to_person=to_id, next_nudge_at=due)
    if not moved:
        return 0
    new, old = session.get(Person, to_id), session.get(Person, change.previous_person_id)
    payload = {"lang": lang, "topic": topic.name, "topic_id": topic.id, "count": len(moved),
               "inquiry_ids": moved, "person": person_payload(new), "previous": person_payload(old)}
    rows = [NewMessage(f"change:{change.id}:inquiries_moved_{side}", f"inquiry_moved_{side}", *person_address(person),
                       payload)
            for side, person in (("new", new), ("old", old)) if person is not None]
    outbox.add(session=session, messages=rows, now=now)
    return len(rows)


def _first_backup(session: Session, topic_id: int, now: datetime) -> int | None:
    current = current_assignments(session=session, topic_ids=[topic_id], at=now).get(topic_id)
    return current.backups[0].person_id if current and current.backups else None
