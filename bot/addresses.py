"""Where a person or a channel is reached, and a person as an outbox payload carries them."""
from __future__ import annotations

import re

from store.models import Person

_TEAMS_CHANNEL = re.compile(r"^19:")


def person_address(person: Person) -> tuple[str, str]:
    """Where a person gets DMs: Slack, else Teams, else the console (by email)."""
    if person.slack_id:
        return "slack", person.slack_id
    if person.teams_id:
        return "teams", person.teams_id
    return "console", person.email


def channel_platform(channel: str) -> str:
    return "teams" if _TEAMS_CHANNEL.match(channel) else "slack"


def person_payload(person: Person | None) -> dict | None:
    if person is None:
        return None
    return {"id": person.id, "name": person.name, "email": person.email,
            "slack_id": person.slack_id, "teams_id": person.teams_id}
