"""Answer 'who is the POC for X': resolve the topic, then who holds it (or an ancestor)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.dates import zone
from bot.index_cache import Snapshot
from bot.messages import Action, PersonView, Reply, ReplyKind, TopicAnswer
from bot.understanding.names import MatchKind, Resolution
from store import queries
from store.models import AssignmentKind
from store.queries import AssignedPerson, TopicRow


def lookup(query: str, *, session: Session, snapshot: Snapshot, lang: str, now: datetime) -> Reply:
    found = snapshot.index.resolve(query)
    if found.kind is MatchKind.unknown:
        return Reply(ReplyKind.unknown, lang, query=query)
    if found.topic_id is None:
        return _suggestions(found, query, snapshot=snapshot, lang=lang)
    answer = answer_for(found.topic_id, session=session, snapshot=snapshot, now=now, resolution=found)
    return Reply(ReplyKind.answer, lang, answer=answer, query=query, actions=actions_for(answer))


def answer_for(
    topic_id: int,
    *,
    session: Session,
    snapshot: Snapshot,
    now: datetime,
    resolution: Resolution | None = None,
) -> TopicAnswer:
    """The topic's POC and backups; when it has no POC, its nearest ancestor's."""
    lineage = snapshot.lineage(topic_id)
    topic = lineage[0]
    assigned = queries.assigned_at(session=session, topic_ids=[t.id for t in lineage], at=now)
    holder = next((t for t in lineage if _primary(assigned, t.id)), topic)
    primary = _primary(assigned, holder.id)
    backups = [a for a in assigned if a.topic_id == holder.id and a.kind == AssignmentKind.backup]
    away = queries.absence_at(session=session, person_id=primary.person_id, at=now) if primary else None
    cover = (away[2] or (backups[0] if backups else None)) if away else None
    return TopicAnswer(
        topic_id=topic.id,
        topic=topic.name,
        description=topic.description,
        channel=next((t.channel for t in lineage if t.channel), None),
        primary=_view(primary) if primary else None,
        backups=tuple(_view(a) for a in backups),
        matched=_matched_text(topic, resolution),
        matched_alias=bool(resolution and resolution.via_alias),
        inherited_from=holder.name if holder is not topic else None,
        away_until=_until(away[0], away[1]) if away else None,
        cover=_view(cover) if cover else None,
    )


def _until(ends_at: datetime, tz: str | None) -> str:
    """The day typed: "away until 2026-12-03" ends at the start of that day, their time."""
    return ends_at.astimezone(zone(tz)).date().isoformat()


def _primary(assigned: list[AssignedPerson], topic_id: int) -> AssignedPerson | None:
    return next(
        (a for a in assigned if a.topic_id == topic_id and a.kind == AssignmentKind.primary), None
    )


def _matched_text(topic: TopicRow, resolution: Resolution | None) -> str | None:
    if resolution is None or resolution.matched == topic.name and resolution.kind is MatchKind.exact:
        return None
    return resolution.matched


def _suggestions(found: Resolution, query: str, *, snapshot: Snapshot, lang: str) -> Reply:
    names = tuple(snapshot.topics[i].name for i in found.suggestions if i in snapshot.topics)
    actions = tuple(
        Action("lookup", snapshot.topics[i].name, str(i)) for i in found.suggestions if i in snapshot.topics
    )
    return Reply(ReplyKind.suggestions, lang, suggestions=names, query=query, actions=actions)


def actions_for(answer: TopicAnswer) -> tuple[Action, ...]:
    actions = [Action("share", answer.topic, str(answer.topic_id))]
    if answer.primary is not None:
        actions.append(Action("ask", answer.primary.name, str(answer.topic_id)))
    return tuple(actions)


def _view(a: AssignedPerson) -> PersonView:
    return PersonView(a.person_id, a.name, a.email, a.slack_id, a.teams_id)
