"""What every directory command needs: who asks, where, when, and the rules in force."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


from bot.index_cache import Snapshot
from bot.nudges import NudgePolicy, shorten
from bot.messages import Actor, PersonView, Reply, ReplyKind
from bot.understanding.names import MatchKind
from store.models import Person, Role


ECHOED_QUERY = 100  # a topic argument quoted back is cut to this (names are at most 200)


@dataclass(frozen=True)
class Context:
    actor: Actor
    person: Person | None  # the directory person behind the actor, if linked
    lang: str
    now: datetime
    channel: str | None
    snapshot: Snapshot
    admins: frozenset[str]  # bootstrap admin emails (POCBOT_ADMINS)
    managers_manage_all: bool
    policy: NudgePolicy = NudgePolicy()  # nudge defaults, for the inquiries a command opens
    clock: Callable[[], datetime] | None = None  # to read the time again once a lock is held

    @property
    def role(self) -> Role:
        if self.person is None:
            return Role.member
        if self.person.email.lower() in self.admins:
            return Role.admin
        return Role(self.person.role)

    @property
    def timezone(self) -> str | None:
        """The actor's own time zone, else the company's (POCBOT_TIMEZONE), else None (UTC)."""
        return (self.person.timezone if self.person else None) or self.policy.timezone

    @property
    def who(self) -> str:
        """How the audit log names the actor."""
        return self.person.email if self.person else f"{self.actor.platform}:{self.actor.user_id}"


def invalid(ctx: Context, key: str, **values: object) -> Reply:
    return Reply(ReplyKind.invalid, ctx.lang, note=key, values=dict(values))


def done(ctx: Context, key: str, **values: object) -> Reply:
    return Reply(ReplyKind.done, ctx.lang, note=key, values=dict(values))


def view(person: Person) -> PersonView:
    return PersonView(person.id, person.name, person.email, person.slack_id, person.teams_id)


def find_topic(ctx: Context, text: str) -> tuple[int | None, Reply | None]:
    """A topic named exactly (name or alias); otherwise a reply with suggestions."""
    if not text.strip():
        return None, invalid(ctx, "topic_missing")
    found = ctx.snapshot.index.resolve(text)
    if found.kind is MatchKind.exact and found.topic_id is not None:
        return found.topic_id, None
    names = [ctx.snapshot.topics[i].name for i in (found.suggestions or ((found.topic_id,) if found.topic_id else ())) if i in ctx.snapshot.topics]
    query = shorten(text, ECHOED_QUERY)
    if names:
        return None, invalid(ctx, "topic_did_you_mean", query=query, topics=names)
    return None, invalid(ctx, "topic_unknown", query=query)
