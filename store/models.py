"""SQLModel tables: people, topics, assignments, the audit log and directory state."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Role(str, Enum):
    admin = "admin"
    manager = "manager"
    member = "member"


class AssignmentKind(str, Enum):
    primary = "primary"
    backup = "backup"


class Person(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    slack_id: Optional[str] = Field(default=None, max_length=32, unique=True)
    teams_id: Optional[str] = Field(default=None, max_length=200, unique=True)
    timezone: Optional[str] = Field(default=None, max_length=64)
    role: Role = Field(default=Role.member, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class Topic(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # Normalised name (lower case, no accents): the case-insensitive unique key.
    key: str = Field(max_length=200, unique=True, index=True)
    description: str = Field(default="", max_length=2000)
    parent_id: Optional[int] = Field(default=None, foreign_key="topic.id", index=True)
    channel: Optional[str] = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    # Removing a topic keeps its row (and its history); it just stops resolving.
    removed_at: Optional[datetime] = Field(default=None)


class TopicAlias(SQLModel, table=True):
    __tablename__ = "topic_alias"
    id: Optional[int] = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    alias: str = Field(max_length=200)
    key: str = Field(max_length=200, unique=True)


class TopicTag(SQLModel, table=True):
    __tablename__ = "topic_tag"
    __table_args__ = (UniqueConstraint("topic_id", "tag"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id")
    tag: str = Field(max_length=64, index=True)


class Assignment(SQLModel, table=True):
    """One person's stint as primary or backup on a topic; ending one sets ends_at."""

    __table_args__ = (Index("ix_assignment_topic_current", "topic_id", "ends_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: AssignmentKind = Field(max_length=16)
    position: int = Field(default=0)  # order among backups
    starts_at: datetime = Field(default_factory=utcnow)
    ends_at: Optional[datetime] = Field(default=None)
    created_by: str = Field(default="system", max_length=254)
    reason: str = Field(default="", max_length=500)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=254)
    action: str = Field(max_length=64)
    topic_id: Optional[int] = Field(default=None, foreign_key="topic.id", index=True)
    person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str = Field(default="", max_length=500)


class DirectoryState(SQLModel, table=True):
    """A single row whose version goes up on every directory change.

    Every process compares it with the version its in-memory topic index was built
    from, so an import in one process is seen by the others without a restart.
    """

    __tablename__ = "directory_state"
    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0)


class InboundEvent(SQLModel, table=True):
    """A platform event we have taken on; its unique key makes retries harmless.

    A claim holds a lease: a retry arriving while the first try works is skipped,
    one arriving after the first try failed (or died) takes the claim over.
    """

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    event_id: str = Field(max_length=128)
    done: bool = Field(default=False)
    lease_until: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Question(SQLModel, table=True):
    """A lookup someone made: for their recent history and for the gaps report."""

    __table_args__ = (Index("ix_question_user", "platform", "user_id", "asked_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    asked_at: datetime = Field(default_factory=utcnow, index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=200)
    person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    text: str = Field(max_length=300)
    topic_id: Optional[int] = Field(default=None, foreign_key="topic.id")
    outcome: str = Field(max_length=16)  # answer | suggestions | unknown | no_poc


class TopicManager(SQLModel, table=True):
    """A manager who may change this topic (and the topics under it)."""

    __tablename__ = "topic_manager"
    __table_args__ = (UniqueConstraint("topic_id", "person_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)


class Absence(SQLModel, table=True):
    """Someone away (from starts_at until ends_at); lookups route to the delegate."""

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    delegate_id: Optional[int] = Field(default=None, foreign_key="person.id")
    starts_at: datetime = Field(default_factory=utcnow)
    ends_at: datetime
    created_at: datetime = Field(default_factory=utcnow)


class Subscription(SQLModel, table=True):
    """A channel that hears about changes to a topic, to topics with a tag, or to all."""

    __table_args__ = (UniqueConstraint("platform", "channel", "target_kind", "target"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    channel: str = Field(max_length=200)
    target_kind: str = Field(max_length=8)  # topic | tag | all
    target: str = Field(default="", max_length=200, index=True)  # topic id, tag, or ""
    created_by: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow)


class DirectoryChange(SQLModel, table=True):
    """One change of who holds a topic, effective now or on a date; announced once."""

    __tablename__ = "directory_change"
    __table_args__ = (Index("ix_change_due", "announced_at", "effective_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    kind: str = Field(max_length=16)  # primary | backup_add | backup_remove | unassign
    person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    previous_person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    effective_at: datetime
    actor: str = Field(max_length=254)
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    announced_at: Optional[datetime] = Field(default=None)
    cancelled_at: Optional[datetime] = Field(default=None)


class OutboxMessage(SQLModel, table=True):
    """A message the bot owes someone, written in the transaction of its cause.

    The dispatcher claims rows with a lease (claimed_until), delivers them through
    the notifier of their platform and marks them sent; dedupe_key makes a second
    row for the same cause and recipient impossible.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_address", "platform", "address", "status"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    platform: str = Field(max_length=16)
    address: str = Field(max_length=200)  # a channel id, or a user id for a DM
    kind: str = Field(max_length=32)  # announcement | dm_new_poc | dm_handed_off | ...
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_until: Optional[datetime] = Field(default=None)
    claimed_by: Optional[str] = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = Field(default=None)
    last_error: str = Field(default="", max_length=500)
