"""Where a person or a channel is reached, and a person as an outbox payload carries them."""
from __future__ import annotations

import re

from store.models import Person

_TEAMS_CHANNEL = re.compile(r"^19:")


def person_address(person: Person) -> tuple[str, str]:
    """Where a person gets DMs: the platform they chose, else the one they last talked to
    the bot on, else Slack, else Teams, else the console (by email)."""
    ids = {"slack": person.slack_id, "teams": person.teams_id}
    chosen, last = getattr(person, "notify_platform", None), getattr(person, "last_platform", None)
    for platform in (chosen, last, "slack", "teams"):
        if platform in ids and ids[platform]:
            return platform, str(ids[platform])
    return "console", person.email


def channel_platform(channel: str) -> str:
    return "teams" if _TEAMS_CHANNEL.match(channel) else "slack"


def person_payload(person: Person | None) -> dict | None:
    if person is None:
        return None
    return {"id": person.id, "name": person.name, "email": person.email,
            "slack_id": person.slack_id, "teams_id": person.teams_id}
