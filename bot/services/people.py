"""Who is talking: platform users linked to directory people, remembered once known."""
from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from bot.messages import Actor
from store import people
from store.models import Person


def identify(actor: Actor, *, session: Session) -> Actor:
    """The actor with their directory person filled in, when the platform id is known."""
    person = people.by_platform_id(session=session, platform=actor.platform, user_id=actor.user_id)
    if person is None:
        return actor
    return replace(actor, person_id=person.id, email=person.email, name=actor.name or person.name)


def link(actor: Actor, email: str, *, session: Session) -> Actor:
    """Link the platform user to the person with that email (first sight), if any."""
    person = people.link(session=session, platform=actor.platform, user_id=actor.user_id, email=email)
    if person is None:
        return replace(actor, email=email)
    return replace(actor, person_id=person.id, email=person.email, name=actor.name or person.name)


def person_of(actor: Actor, *, session: Session) -> Person | None:
    """The directory person behind an actor: by id, by platform id, else by email (console)."""
    if actor.person_id is not None:
        return people.get(session=session, person_id=actor.person_id)
    found = people.by_platform_id(session=session, platform=actor.platform, user_id=actor.user_id)
    if found is None and actor.email and actor.platform == "console":
        found = people.by_email(session=session, email=actor.email)
    return found
