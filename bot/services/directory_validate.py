"""Checks a directory file against itself and the store, before anything is written."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.services.directory_file import DirectoryFile, PersonRecord, TopicRecord, in_file_order
from bot.understanding.text import storable, topic_key
from store.directory_bulk import DirectorySnapshot
from store.models import Role

_LOGGER = logging.getLogger(__name__)
# Deliberately loose: one @, no spaces, a dot in the domain. Mail servers decide the rest.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ROLES = tuple(r.value for r in Role)


class TopicKeys(dict[str, str]):
    """`topic_key` of each text, computed once: an import asks for the same ones often."""

    def __missing__(self, text: str) -> str:
        key = self[text] = topic_key(text)
        return key

    def __call__(self, text: str) -> str:
        return self[text]


def validate(data: DirectoryFile, snapshot: DirectorySnapshot,
             key_of: TopicKeys | None = None, now: datetime | None = None) -> list[str]:
    """Every problem with the file, each prefixed with where it is; [] when it can be applied.

    Names and aliases share one space of keys (`topic_key`): a key may belong to one
    topic only, counting the store's topics that the file does not list.
    """
    errors = list(_unstorable_errors(data))
    errors.extend(_people_errors(data, snapshot))
    known = set(snapshot.people) | {p.email for p in data.people}
    key_of = key_of if key_of is not None else TopicKeys()
    listed = _listed_topics(data, key_of, errors)
    for topic in data.topics:
        problems = [*_reference_problems(topic, listed, known, snapshot, key_of),
                    *_schedule_problems(topic, known, now)]
        errors.extend(f"{data.topics_origin} {line}: topic '{topic.name}': {p}" for line, p in problems)
    errors.extend(_alias_errors(data, snapshot, listed, key_of))
    errors.extend(_cycle_errors(data, snapshot, listed, key_of))
    return in_file_order(errors)


def _unstorable_errors(data: DirectoryFile) -> Iterator[str]:
    """Text fields holding a character no store keeps (NUL, a lone surrogate): refused here,
    so a dry run says so instead of the real import failing half-way into the store."""
    for origin, records, label in ((data.people_origin, data.people, "person"),
                                   (data.topics_origin, data.topics, "topic")):
        for record in records:
            for field, value in record:
                texts = value if isinstance(value, list) else [value]
                if any(isinstance(text, str) and storable(text) != text for text in texts):
                    yield (f"{origin} {record.line}: {label} {field} holds a character that cannot be stored "
                           "(NUL or an unpaired surrogate)")


@lru_cache(maxsize=4096)
def _known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _people_errors(data: DirectoryFile, snapshot: DirectorySnapshot) -> Iterator[str]:
    first_line: dict[str, int] = {}
    owners = {field: _store_owners(data, snapshot, field) for field in ("slack_id", "teams_id")}
    for person in data.people:
        def where(name: str) -> str:
            return f"{data.people_origin} {person.line_of(name)}: person '{person.email}'"  # noqa: B023

        if person.email in first_line:
            yield f"{where('email')}: listed twice (also at {data.people_origin} {first_line[person.email]})"
        first_line.setdefault(person.email, person.line_of("email"))
        yield from (f"{where(name)}: {p}" for name, p in _person_problems(person))
        for field, owner in owners.items():
            stored = snapshot.people.get(person.email)
            value = getattr(person, field) or (getattr(stored, field) if stored else None)
            if value and owner.setdefault(value, person.email) != person.email:
                yield f"{where(field)}: {field} '{value}' already belongs to {owner[value]}"


def _store_owners(data: DirectoryFile, snapshot: DirectorySnapshot, field: str) -> dict[str, str]:
    """Who keeps each platform id among the people the file does not list."""
    listed = {p.email for p in data.people}
    return {getattr(row, field): email for email, row in snapshot.people.items()
            if email not in listed and getattr(row, field)}


def _person_problems(person: PersonRecord) -> Iterator[tuple[str, str]]:
    """(field, problem) of a person on its own."""
    if not _EMAIL.match(person.email):
        yield "email", "bad email (expected name@domain)"
    if not person.name:
        yield "name", "has no name"
    if person.timezone and not _known_timezone(person.timezone):
        yield "timezone", f"unknown timezone '{person.timezone}' (an IANA name such as Europe/Madrid)"
    if person.role and person.role not in _ROLES:
        yield "role", f"unknown role '{person.role}' (one of {', '.join(_ROLES)})"


def _listed_topics(data: DirectoryFile, key_of: TopicKeys,
                   errors: list[str]) -> dict[str, TopicRecord]:
    """The file's topics by key, first one wins; reports empty and duplicate names."""
    listed: dict[str, TopicRecord] = {}
    for topic in data.topics:
        where = f"{data.topics_origin} {topic.line_of('name')}: topic '{topic.name}'"
        key = key_of(topic.name)
        if not key:
            errors.append(f"{where}: the name has no letters or digits")
        elif key in listed:
            first = listed[key]
            errors.append(f"{where}: duplicate of topic '{first.name}' "
                          f"({data.topics_origin} {first.line_of('name')})")
        else:
            listed[key] = topic
    return listed


def _reference_problems(topic: TopicRecord, listed: dict[str, TopicRecord], known: set[str],
                        snapshot: DirectorySnapshot, key_of: TopicKeys) -> Iterator[tuple[int, str]]:
    """(line, problem) for each person or topic it names that is not there."""
    at = topic.line_of
    parent_key = key_of(topic.parent or "")
    if topic.parent and parent_key not in listed and parent_key not in snapshot.topics:
        yield at("parent"), f"unknown parent '{topic.parent}'"
    if topic.poc and topic.poc not in known:
        yield at("poc"), f"unknown person '{topic.poc}' in poc"
    seen: set[str] = set()
    for index, email in enumerate(topic.backups):
        if email not in known:
            yield at("backups", index), f"unknown person '{email}' in backups"
        elif email in seen:
            yield at("backups", index), f"backup '{email}' is listed twice"
        elif email == topic.poc:
            yield at("backups", index), f"'{email}' is both the poc and a backup"
        seen.add(email)
    managers: set[str] = set()
    for index, email in enumerate(topic.managers):
        if email not in known:
            yield at("managers", index), f"unknown person '{email}' in managers"
        elif email in managers:
            yield at("managers", index), f"manager '{email}' is listed twice"
        managers.add(email)


def _schedule_problems(topic: TopicRecord, known: set[str], now: datetime | None) -> Iterator[tuple[int, str]]:
    handovers = [i for i, s in enumerate(topic.scheduled) if s.poc]
    if len(handovers) > 1:
        yield topic.line_of("scheduled", handovers[1]), "only one POC handover can be scheduled at a time (as in chat)"
    for index, item in enumerate(topic.scheduled):
        if item.email not in known:
            yield topic.line_of("scheduled", index), f"unknown person '{item.email}' in scheduled"
        if now is not None and item.at <= now:
            yield (topic.line_of("scheduled", index),
                   f"scheduled change '{item.text()}' is not in the future: set poc or backups instead")


def _store_claims(snapshot: DirectorySnapshot,
                  listed: dict[str, TopicRecord]) -> dict[str, str]:
    """Keys held by store topics the file leaves alone: what each one is, for messages."""
    claims = {row.key: f"the name of topic '{row.name}'"
              for row in snapshot.topics.values() if row.key not in listed and not row.removed}
    for alias_key, topic_id in snapshot.alias_owner.items():
        owner = snapshot.topic_by_id[topic_id]
        if owner.key not in listed:
            # Aliases of removed topics still hold their unique key in the store.
            state = " (removed)" if owner.removed else ""
            claims[alias_key] = f"an alias of topic '{owner.name}'{state}"
    return claims


def _alias_errors(data: DirectoryFile, snapshot: DirectorySnapshot,
                  listed: dict[str, TopicRecord], key_of: TopicKeys) -> Iterator[str]:
    """An alias may spell its own topic's name differently ("taxes" for "Tax"); any other
    key it shares, with a name or an alias, in the file or the store, is an error."""
    store = _store_claims(snapshot, listed)
    taken = {k: (k, f"the name of topic '{t.name}'") for k, t in listed.items()}
    taken.update({k: ("", what) for k, what in store.items()})
    aliases: dict[str, tuple[str, str]] = {}
    for key, topic in listed.items():
        def where(name: str, index: int | None = None) -> str:
            return f"{data.topics_origin} {topic.line_of(name, index)}: topic '{topic.name}'"  # noqa: B023

        if key in store:
            yield f"{where('name')}: the name is already {store[key]}"
        for index, alias in enumerate(topic.aliases):
            alias_key = key_of(alias)
            owner, what = aliases.get(alias_key) or taken.get(alias_key) or (key, "")
            if not alias_key:
                yield f"{where('aliases', index)}: alias '{alias}' has no letters or digits"
            elif owner != key:
                yield f"{where('aliases', index)}: alias '{alias}' is already {what}"
            elif alias_key in aliases:
                continue  # another spelling of one of its own aliases: kept with it (see merged_aliases)
            else:
                aliases[alias_key] = (key, f"an alias of topic '{topic.name}' "
                                           f"({data.topics_origin} {topic.line_of('aliases', index)})")


def merged_aliases(topic: TopicRecord, key_of: TopicKeys) -> list[list[str]]:
    """Its aliases that are one alias once folded ("laptop", "laptops"): each group of spellings."""
    groups: dict[str, list[str]] = {}
    for alias in dict.fromkeys(topic.aliases):
        groups.setdefault(key_of(alias), []).append(alias)
    return [spellings for spellings in groups.values() if len(spellings) > 1]


def _cycle_errors(data: DirectoryFile, snapshot: DirectorySnapshot,
                  listed: dict[str, TopicRecord], key_of: TopicKeys) -> Iterator[str]:
    parent_of = {row.key: snapshot.topic_by_id[row.parent_id].key
                 for row in snapshot.topics.values() if row.parent_id and row.key not in listed}
    parent_of.update({k: key_of(t.parent) for k, t in listed.items() if t.parent})
    done: set[str] = set()
    for start, topic in listed.items():
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = parent_of.get(node)
        if node is not None and node in on_path:
            loop = path[path.index(node):] + [node]
            names = " -> ".join(_name(k, listed, snapshot) for k in loop)
            yield f"{data.topics_origin} {topic.line_of('parent')}: topic '{topic.name}': parent cycle {names}"
        done.update(path)


def _name(key: str, listed: dict[str, TopicRecord], snapshot: DirectorySnapshot) -> str:
    return listed[key].name if key in listed else snapshot.topics[key].name
