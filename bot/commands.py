"""The grammar of directory commands: assign, unassign, topic, away, subscribe..."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

from bot.platforms import mention_syntaxes

_TYPED = r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)|@(?P<handle>[\w.-]+)"
_REASON = re.compile(r"\s+(?:because|porque|reason:?)\s+(?P<reason>.+)$", re.IGNORECASE | re.DOTALL)
_BACKUP = re.compile(r"\b(?:as|como)\s+(?:a\s+|un\s+)?(?:backup|suplente)\b", re.IGNORECASE)
_FROM = re.compile(r"\b(?:from|starting|desde|a partir del?)\s+(?P<when>.+)$", re.IGNORECASE)
_UNTIL = re.compile(r"^(?:until|till|hasta(?: el)?)\s+", re.IGNORECASE)
_DELEGATE = re.compile(r"\s+(?:delegate|delegar en|delegado)\s+", re.IGNORECASE)


class _PersonPattern:
    """A person as typed: a mention in a registered platform's syntax (bot.platforms; a Teams
    mention may carry the user's id: <at id="29:1...">Carol Smith</at>), an email, or @name.
    A mention's group is named after its platform, holding <platform>_id and, when the
    mention shows one, <platform>_name."""

    def search(self, text: str) -> re.Match[str] | None:
        return _person_pattern(mention_syntaxes()).search(text)


@lru_cache(maxsize=4)
def _person_pattern(syntaxes: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    mentions = [f"(?P<{name}>" + re.sub(r"\(\?P<(id|name)>", rf"(?P<{name}_\1>", syntax) + ")"
                for name, syntax in syntaxes]
    return re.compile("|".join([*mentions, _TYPED]))


PERSON = _PersonPattern()


@dataclass(frozen=True)
class PersonRef:
    """platform and user_id: a mention names the person by their id there (a Teams mention
    may carry only the name shown); else an email or an @handle."""
    platform: str | None = None
    user_id: str | None = None
    name: str | None = None
    email: str | None = None
    handle: str | None = None

    @property
    def text(self) -> str:
        return self.email or self.handle or self.name or self.user_id or ""


@dataclass(frozen=True)
class Assign:
    topic: str
    person: PersonRef
    backup: bool = False
    when: str = ""  # empty: now
    reason: str = ""


def person_ref(match: re.Match[str]) -> PersonRef:
    if match["email"] or match["handle"]:
        return PersonRef(email=(match["email"] or "").lower() or None, handle=match["handle"])
    platform = str(match.lastgroup)  # the mention's own group closes last
    found = match.groupdict()
    return PersonRef(platform=platform, user_id=found.get(f"{platform}_id"), name=found.get(f"{platform}_name"))


def split_reason(text: str) -> tuple[str, str]:
    found = _REASON.search(text)
    if not found:
        return text.strip(), ""
    return text[: found.start()].strip(), found["reason"].strip()[:500]


def parse_assign(text: str) -> Assign | None:
    """'Payments @carol [as backup] [from 2026-12-01] [because ...]'; None when malformed."""
    body, reason = split_reason(text)
    found = PERSON.search(body)
    if found is None or not body[: found.start()].strip():
        return None
    rest = body[found.end():]
    backup = bool(_BACKUP.search(rest))
    when = _FROM.search(_BACKUP.sub(" ", rest))
    return Assign(body[: found.start()].strip(), person_ref(found), backup, when["when"].strip() if when else "", reason)


def parse_away(text: str) -> tuple[str, PersonRef | None] | None:
    """'until 2026-12-03 [delegate @bob]' -> (date text, delegate)."""
    body, _ = split_reason(text)
    body = _UNTIL.sub("", body.strip())
    parts = _DELEGATE.split(body, maxsplit=1)
    delegate = None
    if len(parts) == 2:
        found = PERSON.search(parts[1])
        if found is None:
            return None
        delegate = person_ref(found)
    return (parts[0].strip(), delegate) if parts[0].strip() else None


def two_names(text: str, separator: str | None = None) -> tuple[str, str] | None:
    """Two names: quoted ("Accounts Receivable" "AR"), split on a word (to), or last word."""
    if separator:
        found = re.split(rf"\s+(?:{separator})\s+", text, maxsplit=1, flags=re.IGNORECASE)
        if len(found) == 2 and all(p.strip() for p in found):
            return found[0].strip(), found[1].strip()
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if len(words) < 2:
        return None
    if '"' in text or "'" in text:
        return (words[0], " ".join(words[1:])) if len(words) >= 2 else None
    return " ".join(words[:-1]), words[-1]
