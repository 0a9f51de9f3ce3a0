"""Export the directory as file content that imports back without a single change."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlmodel import Session

from bot.services.directory_file import DirectoryFile, PersonRecord, ScheduledRecord, TopicRecord
from store.directory import Current
from store.directory_bulk import DirectorySnapshot, TopicRow, load_snapshot

_LOGGER = logging.getLogger(__name__)


def export_directory(session: Session, now: datetime | None = None) -> DirectoryFile:
    """Everyone (by email) and every live topic (by name) with its holders at `now` (the
    clock by default), its managers and the changes still to come (`scheduled`)."""
    snapshot = load_snapshot(session=session, now=now or datetime.now(timezone.utc))
    people = [
        PersonRecord(email=email, name=row.name, slack_id=row.slack_id, teams_id=row.teams_id,
                     timezone=row.timezone, role=row.role)
        for email, row in sorted(snapshot.people.items())
    ]
    live = sorted((t for t in snapshot.topics.values() if not t.removed),
                  key=lambda t: (t.name.casefold(), t.name))
    return DirectoryFile(people=people, topics=[_topic_record(t, snapshot) for t in live])


def _topic_record(row: TopicRow, snapshot: DirectorySnapshot) -> TopicRecord:
    current = snapshot.current.get(row.id, Current())
    # A removed parent is still a topic in the store, so the file names it as it is.
    parent = snapshot.topic_by_id[row.parent_id].name if row.parent_id else None
    return TopicRecord(
        name=row.name,
        aliases=[alias for alias, _ in snapshot.aliases.get(row.id, [])],
        description=row.description,
        tags=snapshot.tags.get(row.id, []),
        parent=parent,
        channel=row.channel,
        poc=snapshot.email_of[current.primary.person_id] if current.primary else None,
        backups=[snapshot.email_of[h.person_id] for h in current.backups],
        managers=sorted(snapshot.email_of[p] for p in snapshot.managers.get(row.id, [])),
        examples=snapshot.examples.get(row.id, []),
        scheduled=[ScheduledRecord(at=when, **{"poc" if kind == "primary" else "backup": snapshot.email_of[person]})
                   for when, kind, person in snapshot.scheduled.get(row.id, [])],
    )
