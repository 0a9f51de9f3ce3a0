"""Aggregates for `/poc stats`: inquiry figures and lookups that found nobody, over a window."""
from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from store.models import INQUIRY_WAITING, Inquiry, Question, Topic
from store.outbox import as_utc

_I = Inquiry.__table__.c
_Q = Question.__table__.c


class InquiryFigures(NamedTuple):
    """What the stats need of one inquiry in the window: flags worked out in SQL, and its
    time to first response in seconds (None: no response yet)."""

    topic_id: int
    person_id: int
    waiting: int
    overdue: int  # waiting and past target_at
    judged: int  # has a target, and was responded to or is past it
    met: int  # first response by target_at
    seconds: float | None


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def inquiry_figures(*, session: Session, since: datetime, now: datetime,
                    topic_ids: Collection[int] | None = None) -> Iterator[InquiryFigures]:
    """Seven numbers per inquiry created in [since, now], streamed, for the caller to sum.

    One pass over ix_inquiry_created_at's range: the percentiles need every duration in
    Python anyway, and reading the counts in the same pass costs less than a second scan
    for SQL aggregates (about 0.3 s rather than 0.65 s for 80,000 inquiries on SQLite).
    """
    now = as_utc(now)
    waiting = _I.status.in_(INQUIRY_WAITING)
    responded, has_target = _I.first_response_at.is_not(None), _I.target_at.is_not(None)
    query = select(
        _I.topic_id, _I.assignee_person_id, _flag(waiting), _flag(and_(waiting, has_target, _I.target_at < now)),
        _flag(and_(has_target, responded | (_I.target_at < now))),
        _flag(and_(has_target, responded, _I.first_response_at <= _I.target_at)),
        _seconds_between(session, _I.created_at, _I.first_response_at),
    ).where(*_window(since, now, topic_ids))
    for topic_id, person_id, waiting_, overdue, judged, met, seconds in session.connection().execute(query):
        # PostgreSQL's EXTRACT gives a numeric (Decimal): durations are plain floats here.
        yield InquiryFigures(topic_id, person_id, waiting_, overdue, judged, met,
                             None if seconds is None else float(seconds))


def _window(since: datetime, now: datetime, topic_ids: Collection[int] | None) -> list[ColumnElement[bool]]:
    # Bounded on both sides: without statistics SQLite guesses a one-sided range is a big
    # share of the table and would scan all of it through the topic index to group it.
    conditions = [_I.created_at >= as_utc(since), _I.created_at <= as_utc(now)]
    if topic_ids is not None:
        conditions.append(_I.topic_id.in_(list(topic_ids)))
    return conditions


def _seconds_between(session: Session, start, end) -> ColumnElement[float]:  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    # SQLite stores datetimes as text; julianday reads them (in days, to the millisecond).
    return (func.julianday(end) - func.julianday(start)) * literal_column("86400.0")


def unknown_questions(*, session: Session, since: datetime) -> list[tuple[str, int]]:
    """(text, times asked) of lookups that matched no topic; the caller folds near-duplicates."""
    query = (
        select(_Q.text, func.count()).where(_Q.asked_at >= as_utc(since), _Q.outcome == "unknown")
        .group_by(_Q.text)
    )
    return [(text, count) for text, count in session.connection().execute(query)]


def no_poc_questions(*, session: Session, since: datetime) -> list[tuple[int, int]]:
    """(topic id, times asked) of lookups that found a topic with nobody assigned, most first."""
    query = (
        select(_Q.topic_id, func.count().label("n"))
        .where(_Q.asked_at >= as_utc(since), _Q.outcome == "no_poc", _Q.topic_id.is_not(None))
        .group_by(_Q.topic_id).order_by(literal_column("n").desc(), _Q.topic_id)
    )
    return [(topic_id, count) for topic_id, count in session.connection().execute(query)]


def topic_names(*, session: Session, ids: Collection[int]) -> dict[int, str]:
    """Names of these topics, removed ones included (their inquiries still count)."""
    if not ids:
        return {}
    query = select(Topic.id, Topic.name).where(Topic.id.in_(list(ids)))
    return {topic_id: name for topic_id, name in session.connection().execute(query)}
