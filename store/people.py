"""People by their platform ids, and linking a platform id to a directory person."""
from __future__ import annotations

from sqlalchemy import func, or_, select, update
from sqlmodel import Session

from store.models import Person

PLATFORM_COLUMNS = {"slack": Person.slack_id, "teams": Person.teams_id}


def by_platform_id(*, session: Session, platform: str, user_id: str) -> Person | None:
    column = PLATFORM_COLUMNS.get(platform)
    if column is None:
        return None
    return session.execute(select(Person).where(column == user_id)).scalar_one_or_none()


def by_email(*, session: Session, email: str) -> Person | None:
    query = select(Person).where(func.lower(Person.email) == email.strip().lower())
    return session.execute(query).scalar_one_or_none()


def link(*, session: Session, platform: str, user_id: str, email: str) -> Person | None:
    """Remember that this platform user is the directory person with that email."""
    person = by_email(session=session, email=email)
    if person is None or platform not in PLATFORM_COLUMNS:
        return None
    field = PLATFORM_COLUMNS[platform].key
    if getattr(person, field) != user_id:
        setattr(person, field, user_id)
        session.add(person)
    return person


def by_handle(*, session: Session, handle: str) -> list[Person]:
    """People whose email starts with handle@ or whose name's first word is handle."""
    handle = handle.lower()
    local = select(Person).where(func.lower(Person.email).like(f"{handle}@%"))
    found = list(session.execute(local).scalars())
    if found:
        return found
    named = select(Person).where(func.lower(Person.name).like(f"{handle} %") | (func.lower(Person.name) == handle))
    return list(session.execute(named).scalars())


def note_platforms(*, session: Session, last: dict[int, str]) -> None:
    """Remember where each person last talked to the bot (person id -> platform); only
    rows that change are written."""
    for platform in set(last.values()):
        ids = [person_id for person_id, p in last.items() if p == platform]
        session.execute(update(Person).where(
            Person.id.in_(ids), or_(Person.last_platform.is_(None), Person.last_platform != platform),
        ).values(last_platform=platform))


def by_ids(*, session: Session, ids: list[int]) -> dict[int, Person]:
    return {p.id: p for p in session.execute(select(Person).where(Person.id.in_(ids))).scalars()}


def get(*, session: Session, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def set_notify_platform(*, session: Session, person: Person, platform: str | None) -> None:
    """Where the person's DMs go (None: where they last wrote)."""
    person.notify_platform = platform
    session.add(person)
