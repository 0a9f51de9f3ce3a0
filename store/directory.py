"""Directory writes shared by imports and chat commands: assignments, audit rows, version."""
from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from store.bulk import chunks, insert_rows, update_rows
from store.models import Assignment, AssignmentKind, AuditEntry, DirectoryState

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Held:
    """A current assignment row, reduced to what deciding a change needs."""

    assignment_id: int
    person_id: int
    position: int


@dataclass
class Current:
    """A topic's current holders: its primary and its backups in order."""

    primary: Held | None = None
    backups: list[Held] = field(default_factory=list)


def current_assignments(
    *, session: Session, topic_ids: Collection[int] | None = None, at: datetime | None = None
) -> dict[int, Current]:
    """Open-ended (ends_at IS NULL) holders per topic, or with `at`, those holding it then
    (a scheduled handover's rows hold from their start); all topics when topic_ids is None."""
    columns = select(
        Assignment.id, Assignment.topic_id, Assignment.person_id, Assignment.kind,
        Assignment.position,
    )
    if at is None:
        columns = columns.where(Assignment.ends_at.is_(None))
    else:
        columns = columns.where(
            Assignment.starts_at <= at, (Assignment.ends_at.is_(None)) | (Assignment.ends_at > at)
        )
    if topic_ids is None:
        queries = [columns]
    else:
        queries = [columns.where(Assignment.topic_id.in_(c)) for c in chunks(list(topic_ids))]
    found: dict[int, Current] = {}
    for query in queries:
        for row_id, topic_id, person_id, kind, position in session.execute(query):
            current = found.setdefault(topic_id, Current())
            held = Held(row_id, person_id, position)
            if kind == AssignmentKind.primary:
                current.primary = held
            else:
                current.backups.append(held)
    for current in found.values():
        current.backups.sort(key=lambda h: (h.position, h.assignment_id))
    return found


def open_primary_start(*, session: Session, topic_id: int) -> datetime | None:
    """When the topic's open-ended primary row starts (None when it has none)."""
    query = select(Assignment.starts_at).where(
        Assignment.topic_id == topic_id, Assignment.kind == AssignmentKind.primary, Assignment.ends_at.is_(None))
    return session.execute(query).scalar()


class DirectoryWriter:
    """Stages assignment and audit rows so that many changes cost a few statements.

    Every staged change is written by `flush()`; callers flush in batches (an
    import) or once (a chat command). The `current` handed in must be what the
    store holds, so change each topic's primary and backups at most once per flush.
    """

    def __init__(self, *, session: Session, actor: str, reason: str, now: datetime) -> None:
        self.session, self.actor, self.reason, self.now = session, actor, reason, now
        self._ends: list[int] = []
        self._moves: list[dict[str, Any]] = []
        self._starts: list[dict[str, Any]] = []
        self._audits: list[dict[str, Any]] = []

    def audit(self, action: str, *, topic_id: int | None = None, person_id: int | None = None,
              before: Any = None, after: Any = None) -> None:
        """Stage an audit entry; assignment entries name people by id in before/after."""
        self._audits.append({
            "at": self.now, "actor": self.actor, "action": action, "topic_id": topic_id,
            "person_id": person_id, "detail": {"before": before, "after": after},
            "reason": self.reason,
        })

    def set_primary(self, topic_id: int, person_id: int | None, current: Current) -> bool:
        """End the current primary and start `person_id` (None clears it); False if unchanged."""
        old = current.primary
        if (old.person_id if old else None) == person_id:
            return False
        if old is not None:
            self._ends.append(old.assignment_id)
        if person_id is not None:
            self._start(topic_id, person_id, AssignmentKind.primary, 0)
        self.audit("assignment.primary", topic_id=topic_id, person_id=person_id,
                   before=old.person_id if old else None, after=person_id)
        return True

    def set_backups(self, topic_id: int, person_ids: Sequence[int], current: Current) -> bool:
        """Make the backups exactly `person_ids` (distinct, in order); False if they are."""
        if [h.person_id for h in current.backups] == list(person_ids):
            return False
        held = {h.person_id: h for h in current.backups}
        wanted = set(person_ids)
        for gone in (h for h in current.backups if h.person_id not in wanted):
            self._ends.append(gone.assignment_id)
            self.audit("assignment.backup.remove", topic_id=topic_id, person_id=gone.person_id,
                       before={"position": gone.position}, after=None)
        for position, person_id in enumerate(person_ids):
            kept = held.get(person_id)
            if kept is None:
                self._start(topic_id, person_id, AssignmentKind.backup, position)
                self.audit("assignment.backup.add", topic_id=topic_id, person_id=person_id,
                           before=None, after={"position": position})
            elif kept.position != position:
                self._moves.append({"id": kept.assignment_id, "position": position})
        # Positions shift when someone is added or removed; only a new order among
        # the backups who stay is a change of its own.
        before = [h.person_id for h in current.backups if h.person_id in wanted]
        after = [p for p in person_ids if p in held]
        if before != after:
            self.audit("assignment.backup.reorder", topic_id=topic_id, before=before, after=after)
        return True

    def _start(self, topic_id: int, person_id: int, kind: AssignmentKind, position: int) -> None:
        self._starts.append({
            "topic_id": topic_id, "person_id": person_id, "kind": kind, "position": position,
            "starts_at": self.now, "ends_at": None, "created_by": self.actor,
            "reason": self.reason,
        })

    def flush(self) -> None:
        """Write everything staged since the last flush."""
        ends = [{"id": row_id, "ends_at": self.now} for row_id in self._ends]
        update_rows(session=self.session, model=Assignment, rows=ends + self._moves)
        insert_rows(session=self.session, model=Assignment, rows=self._starts)
        insert_rows(session=self.session, model=AuditEntry, rows=self._audits)
        self._ends, self._moves, self._starts, self._audits = [], [], [], []


def set_primary(*, session: Session, topic_id: int, person_id: int | None, actor: str,
                reason: str, now: datetime) -> bool:
    """Make `person_id` the topic's primary (None: nobody), keeping history. Does not bump
    the directory version: call `bump_version` once per unit of work that changed."""
    writer = DirectoryWriter(session=session, actor=actor, reason=reason, now=now)
    current = current_assignments(session=session, topic_ids=[topic_id]).get(topic_id, Current())
    changed = writer.set_primary(topic_id, person_id, current)
    writer.flush()
    return changed


def set_backups(*, session: Session, topic_id: int, person_ids: Sequence[int], actor: str,
                reason: str, now: datetime) -> bool:
    """Make the topic's backups exactly `person_ids`, in order. Does not bump the version."""
    writer = DirectoryWriter(session=session, actor=actor, reason=reason, now=now)
    current = current_assignments(session=session, topic_ids=[topic_id]).get(topic_id, Current())
    changed = writer.set_backups(topic_id, person_ids, current)
    writer.flush()
    return changed


def audit(*, session: Session, actor: str, action: str, now: datetime, reason: str = "",
          topic_id: int | None = None, person_id: int | None = None, before: Any = None,
          after: Any = None) -> None:
    """Write one audit entry whose detail is {"before": ..., "after": ...}."""
    writer = DirectoryWriter(session=session, actor=actor, reason=reason, now=now)
    writer.audit(action, topic_id=topic_id, person_id=person_id, before=before, after=after)
    writer.flush()


def bump_version(*, session: Session) -> int:
    """Add one to the directory version (creating its row) so other processes reload.
    One UPDATE ... RETURNING: it locks the row as it reads it."""
    table = DirectoryState.__table__
    bumped = update(table).where(table.c.id == 1).values(version=table.c.version + 1).returning(table.c.version)
    version = session.execute(bumped).scalar()
    if version is None:
        session.add(DirectoryState(id=1, version=1))
        session.flush()
        return 1
    return version
