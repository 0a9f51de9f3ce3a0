"""Write an import plan in batches: people, then topics, then parents, then assignments."""
from __future__ import annotations

from bot.understanding.text import fold

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlmodel import Session

from store.bulk import chunks, insert_rows, update_rows
from bot.services.directory_file import ScheduledRecord
from bot.services.directory_plan import Change, ImportPlan
from store.directory import Current, DirectoryWriter, current_assignments
from store.directory_bulk import delete_topic_children, insert_people, insert_topics
from store import changes, examples
from store.models import Person, Role, Topic, TopicAlias, TopicExample, TopicManager, TopicTag
from store.outbox import as_utc
from store.schedule import cancel_pending


_LOGGER = logging.getLogger(__name__)
BATCH = 2000  # changes per flush: big enough for few round trips, small enough for memory
_TOPIC_COLUMNS = ("name", "description", "channel")


class _Batches:
    """Splits one kind of change into batches and reports progress after each one."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.done, self.total, self.progress = 0, total, progress
        if progress:
            progress(0, total)

    def of(self, changes: list[Change], writer: DirectoryWriter) -> Iterator[Sequence[Change]]:
        for batch in chunks(changes, BATCH):
            yield batch
            writer.flush()
            self.done += len(batch)
            if self.progress:
                self.progress(self.done, self.total)


def apply_plan(session: Session, plan: ImportPlan, *, actor: str, reason: str,
               progress: Callable[[int, int], None] | None = None) -> None:
    """Write every change of a validated plan; the caller owns the transaction."""
    snapshot = plan.snapshot
    writer = DirectoryWriter(session=session, actor=actor, reason=reason, now=plan.now)
    batches = _Batches(len(plan.changes), progress)
    kinds: dict[str, list[Change]] = {"person": [], "topic": [], "assignment": []}
    for change in plan.changes:
        kinds[change.action.partition(".")[0]].append(change)
    person_ids = {email: row.id for email, row in snapshot.people.items()}
    for batch in batches.of(kinds["person"], writer):
        person_ids.update(_apply_people(session, writer, batch, plan))
    topic_ids = {key: row.id for key, row in snapshot.topics.items()}
    # Aliases may move between listed topics: free every old one before adding any.
    children = ((TopicAlias, "aliases"), (TopicTag, "tags"), (TopicManager, "managers"))
    for model, name in children:
        stale = [topic_ids[c.key] for c in kinds["topic"] if c.key in topic_ids and name in c.after]
        delete_topic_children(session=session, model=model, topic_ids=stale)
    # A file's examples replace the taught and imported ones; people's picks stay, unless listed.
    examples.clear_for_import(session=session, wanted={
        topic_ids[c.key]: [fold(e) for e in c.after["examples"]]
        for c in kinds["topic"] if c.key in topic_ids and "examples" in c.after})
    for batch in batches.of(kinds["topic"], writer):
        topic_ids.update(_apply_topics(session, writer, batch, plan, person_ids))
    _set_parents(session, kinds["topic"], topic_ids, plan)
    schedules = [c for c in kinds["assignment"] if c.action == "assignment.scheduled"]
    for change in schedules:  # before today's changes: the rows to come end today's holders
        if change.key in snapshot.topics:
            cancel_pending(session=session, topic_id=topic_ids[change.key], now=plan.now)
    for batch in batches.of([c for c in kinds["assignment"] if c.action != "assignment.scheduled"], writer):
        for change in batch:
            _apply_assignment(writer, change, topic_ids[change.key], person_ids,
                              snapshot.current.get(topic_ids[change.key], Current()))
    for batch in batches.of(schedules, writer):  # after today's changes: they start from today's holders
        for change in batch:
            for item in change.after["scheduled"]:
                _schedule(session, writer, topic_ids[change.key], ScheduledRecord.model_validate(item),
                          person_ids, plan)


def _person_columns(after: dict[str, Any]) -> dict[str, Any]:
    return {k: Role(v) if k == "role" else v for k, v in after.items()}


def _apply_people(session: Session, writer: DirectoryWriter, batch: Sequence[Change],
                  plan: ImportPlan) -> dict[str, int]:
    added = [c for c in batch if c.action == "person.add"]
    ids = insert_people(session=session, rows=[
        {"email": c.key, "created_at": plan.now, **_person_columns(c.after)} for c in added
    ])
    ids.update({c.key: plan.snapshot.people[c.key].id for c in batch if c.key not in ids})
    update_rows(session=session, model=Person, rows=[
        {"id": ids[c.key], **_person_columns(c.after)} for c in batch if c.action != "person.add"
    ])
    for change in batch:
        writer.audit(change.action, person_id=ids[change.key], before=change.before or None,
                     after=change.after)
    return ids


def _apply_topics(session: Session, writer: DirectoryWriter, batch: Sequence[Change],
                  plan: ImportPlan, person_ids: dict[str, int]) -> dict[str, int]:
    added = [c for c in batch if c.action == "topic.add"]
    ids = insert_topics(session=session, rows=[
        {"key": c.key, "parent_id": None, "created_at": plan.now, "removed_at": None,
         **{k: c.after[k] for k in _TOPIC_COLUMNS}} for c in added
    ])
    ids.update({c.key: plan.snapshot.topics[c.key].id for c in batch if c.key not in ids})
    updated = [(c, _topic_columns(c.after)) for c in batch if c.action == "topic.update"]
    update_rows(session=session, model=Topic,
                rows=[{"id": ids[c.key], **columns} for c, columns in updated if columns])
    aliases = [{"topic_id": ids[c.key], "alias": spellings[0], "key": key, "spellings": spellings[1:]}
               for c in batch for key, spellings in _by_key(c.after.get("aliases", []), plan).items()]
    tags = [{"topic_id": ids[c.key], "tag": tag} for c in batch for tag in c.after.get("tags", [])]
    insert_rows(session=session, model=TopicAlias, rows=aliases)
    insert_rows(session=session, model=TopicTag, rows=tags)
    managers = [{"topic_id": ids[c.key], "person_id": person_ids[email]}
                for c in batch for email in c.after.get("managers", [])]
    insert_rows(session=session, model=TopicManager, rows=managers)
    examples = [{"topic_id": ids[c.key], "text": text, "key": key, "source": "import", "created_by": writer.actor,
                 "created_at": plan.now}
                for c in batch for key, text in {fold(e): e for e in c.after.get("examples", [])}.items()]
    insert_rows(session=session, model=TopicExample, rows=examples)
    for change in batch:
        writer.audit(change.action, topic_id=ids[change.key], before=change.before or None,
                     after=change.after)
    return ids


def _by_key(aliases: list[str], plan: ImportPlan) -> dict[str, list[str]]:
    """Spellings by key: "laptop" and "laptops" are one alias row that keeps both."""
    found: dict[str, list[str]] = {}
    for alias in aliases:
        found.setdefault(plan.key_of(alias), []).append(alias)
    return found


def _topic_columns(after: dict[str, Any]) -> dict[str, Any]:
    columns = {k: after[k] for k in _TOPIC_COLUMNS if k in after}
    if "removed" in after:
        columns["removed_at"] = None
    return columns


def _set_parents(session: Session, changes: list[Change], topic_ids: dict[str, int],
                 plan: ImportPlan) -> None:
    # After every batch: a parent may be a topic added later in the file.
    key_of = plan.key_of
    rows = [{"id": topic_ids[c.key],
             "parent_id": topic_ids[key_of(c.after["parent"])] if c.after["parent"] else None}
            for c in changes
            if "parent" in c.after and (c.after["parent"] or c.action == "topic.update")]
    update_rows(session=session, model=Topic, rows=rows)


def _schedule(session: Session, writer: DirectoryWriter, topic_id: int, item: ScheduledRecord,
              person_ids: dict[str, int], plan: ImportPlan) -> None:
    """Write one change to come as chat does: its rows start (and end others) on its date, and a
    pending DirectoryChange has it announced then."""
    at, person_id = as_utc(item.at), person_ids[item.email]
    current = current_assignments(session=session, topic_ids=[topic_id], at=at).get(topic_id, Current())
    dated = DirectoryWriter(session=session, actor=writer.actor, reason=writer.reason, now=at)
    backups = [h.person_id for h in current.backups]
    previous = current.primary.person_id if current.primary else None
    if item.poc:
        changed = dated.set_primary(topic_id, person_id, current)
        if changed and person_id in backups:  # a POC is not also a backup
            dated.set_backups(topic_id, [b for b in backups if b != person_id], current)
    else:
        changed = person_id not in backups and person_id != previous
        if changed:
            dated.set_backups(topic_id, backups + [person_id], current)
    dated.flush()
    if changed:  # kept, not announced: the handovers job records it on its day
        changes.add(session=session, topic_id=topic_id, kind="primary" if item.poc else "backup_add",
                    person_id=person_id, previous_id=previous if item.poc else None, effective_at=at,
                    actor=writer.actor, reason=writer.reason, now=plan.now, announced=False)


def _apply_assignment(writer: DirectoryWriter, change: Change, topic_id: int,
                      person_ids: dict[str, int], current: Current) -> None:
    if change.action == "assignment.primary":
        poc = change.after["poc"]
        writer.set_primary(topic_id, person_ids[poc] if poc else None, current)
    else:
        writer.set_backups(topic_id, [person_ids[e] for e in change.after["backups"]], current)
