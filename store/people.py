"""People by their platform ids, and linking a platform id to a directory person."""
from __future__ import annotations

from sqlalchemy import func, select
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
