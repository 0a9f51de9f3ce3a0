"""Import a directory file: plan the differences with the store, then apply them at once."""
from __future__ import annotations

from bot.understanding.text import fold

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.nudges import NudgePolicy
from bot.services.directory_announce import announce_import
from bot.services.directory_apply import apply_plan
from bot.services.directory_file import DirectoryFile, DirectoryFileError, PersonRecord, ScheduledRecord, TopicRecord
from bot.services.directory_plan import Change, ImportPlan
from bot.services.directory_validate import TopicKeys, merged_aliases, validate
from store.db import write_session
from store.directory import Current, bump_version
from store.directory_bulk import DirectorySnapshot, PersonRow, TopicRow, load_snapshot
from store.models import Role

_LOGGER = logging.getLogger(__name__)
_PERSON_FIELDS = ("name", "slack_id", "teams_id", "timezone", "role")
Progress = Callable[[int, int], None]


def plan_import(session: Session, data: DirectoryFile, *, now: datetime) -> ImportPlan:
    """Validate `data` against itself and the store, and list what importing it changes.

    An upsert, not a sync:
    - People are keyed by lower-cased email. The file's name is the truth; slack_id,
      teams_id, timezone and role, when absent, keep what the store has (platform ids
      are also learned at run time; a file can set them, not clear them). A new
      person's role defaults to member.
    - Topics are keyed by `topic_key(name)`. For a listed topic the file is the truth
      for every field: aliases, tags, description, parent, channel, poc, backups and
      managers (absent means none). A listed topic that was removed comes back. A different
      name is a different topic; topics the file does not list are left alone.
    - Assignments keep their history: a change ends the current row and starts a new
      one; backups are an ordered list. `poc` and `backups` are the holders at `now`;
      `scheduled` lists the changes to come (absent: the store's are kept).
    `now` is the moment the plan (and its application) stands for.
    """
    snapshot, key_of = load_snapshot(session=session, now=now), TopicKeys()
    errors = validate(data, snapshot, key_of, now=now)
    if errors:
        return ImportPlan(errors=errors, changes=[], now=now, snapshot=snapshot, key_of=key_of)
    changes = [c for p in data.people if (c := _person_change(p, snapshot.people.get(p.email)))]
    notes: list[str] = []
    for topic in data.topics:
        found = list(_topic_changes(topic, snapshot, key_of))
        changes.extend(found)
        if any("aliases" in c.after for c in found if c.action.startswith("topic.")):
            notes.extend(f"{data.topics_origin} {topic.line_of('aliases')}: topic '{topic.name}': aliases "
                         f"{' and '.join(repr(a) for a in group)} are the same once folded: kept as one alias"
                         for group in merged_aliases(topic, key_of))
    return ImportPlan(errors=[], changes=changes, now=now, snapshot=snapshot, key_of=key_of, notes=notes)


def apply_import(engine: Engine, data: DirectoryFile, *, actor: str, now: datetime,
                 reason: str = "", progress: Progress | None = None, quiet: bool = False,
                 policy: NudgePolicy = NudgePolicy(), lang: str = "en") -> ImportPlan:
    """Plan and apply in one transaction: all of it, or nothing (DirectoryFileError).

    Unless quiet, each existing topic whose POC changed is announced, in the same transaction.

    Every change writes an audit entry by `actor`, and an import that changed anything
    bumps the directory version once: the same file imported twice writes nothing the
    second time. `progress(done, total)` is called after each batch of changes.
    """
    with write_session(engine) as session:
        plan = plan_import(session, data, now=now)
        if plan.errors:
            raise DirectoryFileError(plan.errors)
        if not plan.is_empty:
            apply_plan(session, plan, actor=actor, reason=reason, progress=progress)
            if not quiet:
                announce_import(session, plan, actor=actor, reason=reason, policy=policy, lang=lang)
            bump_version(session=session)
    _LOGGER.info("directory import by %s: %s", actor, plan.summary())
    return plan


def _person_change(person: PersonRecord, row: PersonRow | None) -> Change | None:
    given = {name: getattr(person, name) for name in _PERSON_FIELDS}
    if row is None:
        after = {**given, "role": person.role or Role.member.value}
        return Change("person.add", person.email, person.email, person.line, {}, after)
    changed = {k: v for k, v in given.items() if v is not None and getattr(row, k) != v}
    if not changed:
        return None
    before = {k: getattr(row, k) for k in changed}
    return Change("person.update", person.email, person.email, person.line, before, changed)


def _topic_changes(topic: TopicRecord, snapshot: DirectorySnapshot,
                   key_of: TopicKeys) -> Iterator[Change]:
    key = key_of(topic.name)
    row = snapshot.topics.get(key)
    wanted = {"name": topic.name, "description": topic.description, "parent": topic.parent,
              "channel": topic.channel, "aliases": list(dict.fromkeys(topic.aliases)),
              "tags": list(dict.fromkeys(topic.tags)), "managers": list(topic.managers)}
    if "examples" in topic.model_fields_set:  # absent (an older file, a CSV without the column): kept
        wanted["examples"] = list(dict.fromkeys(topic.examples))
    if row is None:
        yield Change("topic.add", topic.name, key, topic.line, {}, wanted)
    elif update := _topic_update(row, wanted, snapshot, key_of):
        yield Change("topic.update", topic.name, key, topic.line, *update)
    yield from _assignment_changes(topic, key, snapshot.current.get(row.id) if row else None,
                                   snapshot, snapshot.scheduled.get(row.id, []) if row else [])


def _topic_update(row: TopicRow, wanted: dict[str, Any], snapshot: DirectorySnapshot,
                  key_of: TopicKeys) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(before, after) of the fields that differ, or None when none does."""
    parent = snapshot.topic_by_id[row.parent_id].name if row.parent_id else None
    aliases = snapshot.aliases.get(row.id, [])
    stored = {"name": row.name, "description": row.description, "parent": parent,
              "channel": row.channel, "aliases": [alias for alias, _ in aliases],
              "tags": snapshot.tags.get(row.id, []),
              "managers": sorted(snapshot.email_of[p] for p in snapshot.managers.get(row.id, [])),
              "examples": snapshot.examples.get(row.id, [])}
    stored = {k: v for k, v in stored.items() if k in wanted}
    same = {  # by key for the parent; aliases by key and spelling, in any order
        "parent": key_of(parent or "") == key_of(wanted["parent"] or ""),
        "aliases": sorted((k, a) for a, k in aliases) == sorted((key_of(a), a) for a in wanted["aliases"]),
        "tags": set(stored["tags"]) == set(wanted["tags"]),
        "managers": set(stored["managers"]) == set(wanted["managers"]),
        "examples": {fold(e) for e in stored.get("examples", [])} == {fold(e) for e in wanted.get("examples", [])},
    }
    after = {k: v for k, v in wanted.items() if not same.get(k, stored[k] == v)}
    before = {k: stored[k] for k in after}
    if row.removed:
        before["removed"], after["removed"] = True, False
    return (before, after) if after else None


def _assignment_changes(topic: TopicRecord, key: str, current: Current | None,
                        snapshot: DirectorySnapshot, pending: list[tuple[datetime, str, int]]) -> Iterator[Change]:
    current = current or Current()
    poc = snapshot.email_of[current.primary.person_id] if current.primary else None
    if poc != topic.poc:
        yield Change("assignment.primary", topic.name, key, topic.line,
                     {"poc": poc}, {"poc": topic.poc})
    backups = [snapshot.email_of[h.person_id] for h in current.backups]
    if backups != topic.backups:
        yield Change("assignment.backups", topic.name, key, topic.line,
                     {"backups": backups}, {"backups": list(topic.backups)})
    stored = [ScheduledRecord(at=when, **{"poc" if kind == "primary" else "backup": snapshot.email_of[person]}).text()
              for when, kind, person in pending]
    # Absent (an older file, a CSV without the column): the changes to come are kept.
    wanted = [s.text() for s in sorted(topic.scheduled, key=lambda s: s.at)] \
        if "scheduled" in topic.model_fields_set else stored
    # A change of today's holders rewrites the schedule too: its rows end today's holders.
    now_changed = poc != topic.poc or backups != topic.backups
    if wanted != stored or (stored and now_changed):
        yield Change("assignment.scheduled", topic.name, key, topic.line,
                     {"scheduled": stored}, {"scheduled": wanted})
