"""When a topic's POC changes, its waiting inquiries move to whoever answers now; both are told."""
from __future__ import annotations

from bot.addresses import person_address, person_payload
from bot.events import Changes, DirectoryChanged, InquiriesMoved
from bot.nudges import due_after
from store import inquiries, outbox
from store.directory import current_assignments


def move_inquiries(unit: Changes, event: DirectoryChanged) -> int:
    """Move the previous POC's waiting inquiries on this topic, and record that they moved.

    A handover gives them to the new POC; an unassignment to the first backup, if any
    (with nobody, they stay and the sweep escalates them to the channel in time).
    """
    if not event.previous_id:
        return 0
    to_id = event.person_id or _first_backup(unit, event.topic_id)
    if to_id is None or to_id == event.previous_id:
        return 0
    session, topic_id = unit.session, event.topic_id
    if not inquiries.any_waiting(session=session, topic_id=topic_id, person_id=event.previous_id):
        return 0  # the usual case: spare working out when the moved ones would be due
    due = due_after(session=session, person_id=to_id, topic_id=topic_id, start=unit.now, defaults=unit.policy)
    moved = inquiries.move_waiting(session=session, topic_id=topic_id, from_person=event.previous_id,
                                   to_person=to_id, next_nudge_at=due)
    if moved:
        unit.record(InquiriesMoved(event.change_id, topic_id, tuple(moved), to_id, event.previous_id))
    return 0


def tell_moved(unit: Changes, event: InquiriesMoved) -> int:
    """DM the person who has the inquiries now and the one who had them."""
    topic = unit.topic(event.topic_id)
    people = unit.people([event.to_person, event.from_person])
    new, old = people.get(event.to_person), people.get(event.from_person)
    payload = {"lang": unit.lang, "topic": topic.name, "topic_id": topic.id, "count": len(event.inquiry_ids),
               "inquiry_ids": list(event.inquiry_ids), "person": person_payload(new), "previous": person_payload(old)}
    rows = [outbox.about(event, f"inquiries_moved_{side}", kind=f"inquiry_moved_{side}",
                         platform=address[0], address=address[1], payload=payload)
            for side, person in (("new", new), ("old", old)) if person is not None
            for address in (person_address(person),)]
    outbox.add(session=unit.session, messages=rows, now=unit.now)
    return len(rows)


def _first_backup(unit: Changes, topic_id: int) -> int | None:
    current = current_assignments(session=unit.session, topic_ids=[topic_id], at=unit.now).get(topic_id)
    return current.backups[0].person_id if current and current.backups else None
