"""Where a person or a channel is reached, and a person as an outbox payload carries them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.platforms import user_fields
from store.models import Person


def person_address(person: Person) -> tuple[str, str]:
    """Where a person gets DMs: the platform they chose, else the one they last talked to
    the bot on, else the first registered platform they have an id on (Slack, then Teams),
    else the console (by email)."""
    ids = {platform: getattr(person, field, None) for platform, field in user_fields()}
    chosen, last = getattr(person, "notify_platform", None), getattr(person, "last_platform", None)
    for platform in (chosen, last, *ids):
        if platform in ids and ids[platform]:
            return platform, str(ids[platform])
    return "console", person.email


def person_payload(person: Person | None) -> dict | None:
    if person is None:
        return None
    return {"id": person.id, "name": person.name, "email": person.email,
            "slack_id": person.slack_id, "teams_id": person.teams_id}


@dataclass(frozen=True)
class GroupAddress:
    """A conversation of several people (an asker and a POC) on one platform: the platform's
    notifier opens it when delivering. Outbox rows keep it as text: `encode` writes that text
    and `decode` reads it back (rows written before this type existed read the same)."""

    members: tuple[str, ...]

    _SEPARATOR: ClassVar[str] = ","  # platform user ids never contain one

    def encode(self) -> str:
        return self._SEPARATOR.join(self.members)

    @classmethod
    def decode(cls, address: str) -> GroupAddress | None:
        """The group an outbox address names, None when it names a single person or channel."""
        if cls._SEPARATOR not in address:
            return None
        return cls(tuple(address.split(cls._SEPARATOR)))
