"""SQLModel tables: people, topics, assignments, the audit log and directory state."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any, Optional

from sqlalchemy import LargeBinary, JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from store import limits


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
    email: str = Field(max_length=limits.EMAIL, unique=True, index=True)
    name: str = Field(max_length=limits.PERSON_NAME)
    slack_id: Optional[str] = Field(default=None, max_length=limits.SLACK_ID, unique=True)
    teams_id: Optional[str] = Field(default=None, max_length=limits.TEAMS_ID, unique=True)
    timezone: Optional[str] = Field(default=None, max_length=limits.TIMEZONE)
    role: Role = Field(default=Role.member, max_length=limits.ROLE)
    created_at: datetime = Field(default_factory=utcnow)
    # Where their DMs go when they have both Slack and Teams: their own choice
    # (`notify via teams`), else where they last talked to the bot.
    notify_platform: Optional[str] = Field(default=None, max_length=16)
    last_platform: Optional[str] = Field(default=None, max_length=16)


class Topic(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=limits.TOPIC_NAME)
    # Normalised name (lower case, no accents): the case-insensitive unique key.
    key: str = Field(max_length=limits.TOPIC_NAME, unique=True, index=True)
    description: str = Field(default="", max_length=limits.DESCRIPTION)
    parent_id: Optional[int] = Field(default=None, foreign_key="topic.id", index=True)
    channel: Optional[str] = Field(default=None, max_length=limits.CHANNEL)
    created_at: datetime = Field(default_factory=utcnow)
    # Removing a topic keeps its row (and its history); it just stops resolving.
    removed_at: Optional[datetime] = Field(default=None)


class TopicAlias(SQLModel, table=True):
    __tablename__ = "topic_alias"
    id: Optional[int] = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    alias: str = Field(max_length=limits.TOPIC_NAME)
    key: str = Field(max_length=limits.TOPIC_NAME, unique=True)
    # Other spellings of the same key, as a file wrote them ("laptops" beside "laptop"):
    # one alias, one key, each spelling exported back as written.
    spellings: list[str] = Field(default_factory=list,
                                 sa_column=Column(JSON, nullable=False, server_default="[]"))


class TopicExample(SQLModel, table=True):
    """A phrasing that means this topic: taught by a manager, picked from a close call, or imported."""

    __tablename__ = "topic_example"
    __table_args__ = (UniqueConstraint("topic_id", "key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    text: str = Field(max_length=limits.EXAMPLE)
    key: str = Field(max_length=limits.EXAMPLE)  # folded text: the same phrasing is kept once per topic
    source: str = Field(default="taught", max_length=16)  # taught | picked | import
    created_by: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow)


class TopicVector(SQLModel, table=True):
    """A topic's embedding, so a restart or a second replica need not encode the directory again."""

    __tablename__ = "topic_vector"
    topic_id: int = Field(foreign_key="topic.id", primary_key=True)
    model: str = Field(max_length=64, primary_key=True)
    text_hash: str = Field(max_length=64)  # of the text encoded: a changed topic is encoded again
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class TopicTag(SQLModel, table=True):
    __tablename__ = "topic_tag"
    __table_args__ = (UniqueConstraint("topic_id", "tag"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id")
    tag: str = Field(max_length=limits.TAG, index=True)


# The one open-ended primary row a topic may have (a scheduled handover's row included: it
# ends the current one on its date). The same literal text in the model and migration 0009.
OPEN_PRIMARY_SQL = "kind = 'primary' AND ends_at IS NULL"


class Assignment(SQLModel, table=True):
    """One person's stint as primary or backup on a topic; ending one sets ends_at."""

    __table_args__ = (
        Index("ix_assignment_topic_current", "topic_id", "ends_at"),
        # Two open primaries for a topic are impossible, whatever writers race.
        Index("ux_assignment_open_primary", "topic_id", unique=True,
              sqlite_where=text(OPEN_PRIMARY_SQL), postgresql_where=text(OPEN_PRIMARY_SQL)),
    )
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
    attempts: int = Field(default=0)  # deliveries settled (sent or failed)
    # Claims taken, recorded before delivering: above one, an earlier try may have landed
    # without being marked, so the notifier looks for it before sending again.
    tries: int = Field(default=0)
    first_tried_at: Optional[datetime] = Field(default=None)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_until: Optional[datetime] = Field(default=None)
    claimed_by: Optional[str] = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = Field(default=None)
    last_error: str = Field(default="", max_length=500)


# Used only by the inquiry tables below.
from sqlalchemy import Text  # noqa: E402

# States in which an inquiry still waits for its answer, and is nudged. Written out as
# SQL once: the sweep's partial index and the sweep's own WHERE must carry the very same
# literal text, or SQLite (and PostgreSQL's generic plans) cannot prove the index applies.
INQUIRY_WAITING = ("open", "acknowledged")
INQUIRY_WAITING_SQL = "status IN ('open', 'acknowledged')"


class Inquiry(SQLModel, table=True):
    """A question put to a topic's POC; nudged, then escalated, while it waits for an answer.

    next_nudge_at is when the sweep acts next (None: nothing more to do); nudges_sent
    counts nudges to the assignee; escalation_level is 0 (assignee), 1 (backups told),
    2 (the topic's channel told, the end of the road).
    """

    __table_args__ = (
        # Only waiting rows with a due time are indexed: at a million mostly-settled
        # inquiries the sweep reads a short index of what may be due, in due order.
        Index(
            "ix_inquiry_due", "next_nudge_at", "id",
            sqlite_where=text(f"{INQUIRY_WAITING_SQL} AND next_nudge_at IS NOT NULL"),
            postgresql_where=text(f"{INQUIRY_WAITING_SQL} AND next_nudge_at IS NOT NULL"),
        ),
        # A reply in a thread finds its inquiry.
        Index("ix_inquiry_thread", "platform", "conversation", "thread"),
        # Stats read the last 30 days.
        Index("ix_inquiry_created_at", "created_at"),
        # What waits for a person (`mine`, App Home, the weekly digest), without settled rows.
        Index("ix_inquiry_waiting_assignee", "assignee_person_id", "created_at",
              sqlite_where=text(INQUIRY_WAITING_SQL), postgresql_where=text(INQUIRY_WAITING_SQL)),
        # What a person asked (`mine`, App Home): by their platform id, or their directory person.
        Index("ix_inquiry_asker", "asker_platform", "asker_user_id", "created_at"),
        Index("ix_inquiry_asker_person", "asker_person_id", "created_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    asker_platform: str = Field(max_length=16)
    asker_user_id: str = Field(max_length=200)
    asker_person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    question: str = Field(sa_column=Column(Text, nullable=False))  # kept whole; shortened for display
    lang: str = Field(default="en", max_length=8)
    assignee_person_id: int = Field(foreign_key="person.id", index=True)  # who must answer now
    platform: Optional[str] = Field(default=None, max_length=16)  # where the inquiry thread lives
    conversation: Optional[str] = Field(default=None, max_length=200)  # channel or group DM id
    # Whom that conversation was opened with: while they are the assignee, a nudge is posted
    # there alone (they read it there); after a handoff or a move the new assignee, who is
    # not in it, is nudged by DM. A person id (no foreign key: it only ever compares).
    conversation_person_id: Optional[int] = Field(default=None)
    thread: Optional[str] = Field(default=None, max_length=200)  # thread ts / reply-to id
    status: str = Field(default="open", max_length=16)  # open | acknowledged | answered | resolved | closed
    created_at: datetime = Field(default_factory=utcnow)
    first_response_at: Optional[datetime] = Field(default=None)
    answered_at: Optional[datetime] = Field(default=None)
    resolved_at: Optional[datetime] = Field(default=None)
    snoozed_until: Optional[datetime] = Field(default=None)  # "I'm on it": no nudge before
    nudges_sent: int = Field(default=0)
    escalation_level: int = Field(default=0)
    next_nudge_at: Optional[datetime] = Field(default=None)
    # When a first response is due (nudge_after working time after asking): the stats'
    # "answered within target" compares first_response_at with it.
    target_at: Optional[datetime] = Field(default=None)


class TopicPolicy(SQLModel, table=True):
    """A topic's own nudge timing; a NULL column keeps the global default."""

    __tablename__ = "topic_policy"
    topic_id: int = Field(foreign_key="topic.id", primary_key=True)
    nudge_after_minutes: Optional[int] = Field(default=None)  # working minutes
    nudge_every_minutes: Optional[int] = Field(default=None)  # working minutes
    max_nudges: Optional[int] = Field(default=None)
    ask_in: Optional[str] = Field(default=None, max_length=16)  # dm (group DM) | channel (a thread in it)


class PersonSchedule(SQLModel, table=True):
    """A person's own working hours ('mon-fri 09:00-17:00'), in their own time zone."""

    __tablename__ = "person_schedule"
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    working_hours: str = Field(max_length=64)


class JobMark(SQLModel, table=True):
    """A once-only piece of scheduled work that is done ('digest:poc:2030-W10:Asia/Tokyo').

    Inserted in the transaction that does the work, ON CONFLICT DO NOTHING: a second
    replica, or a rerun, finds the mark and does nothing.
    """

    __tablename__ = "job_mark"
    key: str = Field(max_length=200, primary_key=True)
    done_at: datetime = Field(default_factory=utcnow)


class TeamsReference(SQLModel, table=True):
    """Where the bot may post in Teams: a conversation reference from an activity it accepted.

    address is what outbox rows name: a user's id ("29:...") for their 1:1 chat with the
    bot, or a channel or group chat id ("19:..."). app_id is the Microsoft app id the
    adapter ran with ("" with auth off): once auth is on, a reference taken without it is
    never used, so no token goes to a service URL that no signed request vouched for.
    """

    __tablename__ = "teams_reference"
    __table_args__ = (Index("ix_teams_reference_recent", "app_id", "updated_at"),)
    address: str = Field(max_length=200, primary_key=True)
    conversation_id: str = Field(max_length=400)
    service_url: str = Field(max_length=400)
    tenant_id: str = Field(default="", max_length=64)
    app_id: str = Field(default="", max_length=64)
    reference: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
