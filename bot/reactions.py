"""The one table of what the bot does when something happens: each event type and its handlers,
in the order they run. A new reaction is a handler and a line here."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.announce import announce
from bot.events import (
    BackupAdded, BackupRemoved, Changes, HandoverScheduled, InquiriesMoved, PocChanged, Registry, Unassigned,
)
from bot.inquiry_moves import move_inquiries, tell_moved
from bot.nudges import NudgePolicy
from store.models import Person

REACTIONS = Registry({
    PocChanged: [announce, move_inquiries],  # announce first: a DM of the change precedes the moved inquiries'
    Unassigned: [announce, move_inquiries],
    BackupAdded: [announce],
    BackupRemoved: [announce],
    HandoverScheduled: [],  # said on its day, when the handovers job records the change itself
    InquiriesMoved: [tell_moved],
})


def changes(session: Session, *, now: datetime, lang: str = "en", policy: NudgePolicy = NudgePolicy(),
            topics: Mapping[int, Any] | None = None, people: Iterable[Person] = ()) -> Changes:
    """A unit of work's record of changes, answered by the table above."""
    return Changes(session, registry=REACTIONS, now=now, lang=lang, policy=policy, topics=topics, people=people)
