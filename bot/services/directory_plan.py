"""What an import would do: its changes and the plan holding them (read by apply and announce)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.services.directory_validate import TopicKeys
from store.directory_bulk import DirectorySnapshot


@dataclass(frozen=True)
class Change:
    """One difference: `key` is the email or topic key; before/after hold changed fields."""

    action: str  # person.add|update, topic.add|update, assignment.primary|backups
    subject: str  # the email or topic name a reader knows it by
    key: str
    line: int
    before: dict[str, Any]
    after: dict[str, Any]

    def describe(self) -> str:
        """A line for a dry run, e.g. "change topic 'Payments': poc 'a@x' -> 'b@x'"."""
        kind, _, verb = self.action.partition(".")
        if verb == "add":
            shown = ", ".join(f"{k} {_show(v)}" for k, v in self.after.items()
                              if v not in _BLANK and v != self.subject)
            return f"add {kind} {_show(self.subject)}" + (f": {shown}" if shown else "")
        arrows = ", ".join(f"{k} {_show(self.before.get(k))} -> {_show(v)}"
                           for k, v in self.after.items())
        noun = "topic" if kind == "assignment" else kind
        return f"change {noun} {_show(self.subject)}: {arrows}"


_BLANK: tuple[Any, ...] = (None, "", [])


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    text = str(value)
    return f"'{text[:57]}...'" if len(text) > 60 else f"'{text}'"


@dataclass
class ImportPlan:
    """What an import would do (or did): errors, or the changes in the order they apply."""

    errors: list[str]
    changes: list[Change]
    now: datetime
    snapshot: DirectorySnapshot = field(repr=False)
    key_of: TopicKeys = field(default_factory=TopicKeys, repr=False)
    notes: list[str] = field(default_factory=list)  # what the file says that is taken as meant

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def summary(self) -> str:
        """E.g. "2 person.add, 1 topic.update"; "no changes" when there are none."""
        counts = Counter(change.action for change in self.changes)
        return ", ".join(f"{n} {action}" for action, n in counts.items()) or "no changes"
