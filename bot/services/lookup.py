"""Answer 'who is the POC for X': resolve the topic, then who holds it (or an ancestor)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.dates import zone
from bot.index_cache import Snapshot
from bot.messages import Action, ChannelRef, Choice, PersonView, Reply, ReplyKind, TopicAnswer, Why
from bot.understanding.decision import Candidate, Verdict
from bot.understanding.pipeline import understand
from store import queries
from store.models import AssignmentKind
from store.queries import AssignedPerson


def lookup(message: str, *, session: Session, snapshot: Snapshot, lang: str, now: datetime,
           fallback: str | None = None) -> Reply:
    """Understand the message, then answer the one topic, offer a close call, or name nobody."""
    decision = understand(message, snapshot.understanding)
    query = decision.query or message
    if decision.verdict is Verdict.sure:
        best = decision.candidates[0]
        answer = answer_for(best.topic_id, session=session, snapshot=snapshot, now=now, why=best.why)
        return Reply(ReplyKind.answer, lang, answer=answer, query=query, actions=actions_for(answer))
    choices = [c for c in decision.candidates[: decision.offered] if c.topic_id in snapshot.topics]
    if decision.verdict is Verdict.likely and choices:
        return _choices(choices, query, snapshot=snapshot, lang=lang, session=session, now=now)
    if decision.verdict is Verdict.close and choices:
        return _choices(choices, query, snapshot=snapshot, lang=lang)
    return _nothing(choices, query, snapshot=snapshot, lang=lang, fallback=fallback)


def answer_for(
    topic_id: int,
    *,
    session: Session,
    snapshot: Snapshot,
    now: datetime,
    why: Why | None = None,
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
        matched=why.words if why and why.kind in ("alias", "typo") else None,
        matched_alias=bool(why and why.kind == "alias"),
        why=why if why and why.kind not in ("name",) else None,
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


def _choices(likely: list[Candidate], query: str, *, snapshot: Snapshot, lang: str,
             session: Session | None = None, now: datetime | None = None) -> Reply:
    """A close call: the likely topics as choices, each a button that answers it in full. With a
    session, the bot is sure the right topic is one of them, and each choice names its POC."""
    choices = tuple(
        Choice(c.topic_id, snapshot.topics[c.topic_id].name, snapshot.topics[c.topic_id].description, why=c.why,
               primary=_poc(c.topic_id, session=session, snapshot=snapshot, now=now) if session and now else None)
        for c in likely
    )
    actions = tuple(Action("pick", c.topic, str(c.topic_id)) for c in choices)
    return Reply(ReplyKind.suggestions, lang, suggestions=tuple(c.topic for c in choices), query=query,
                 actions=actions, choices=choices)


def _poc(topic_id: int, *, session: Session, snapshot: Snapshot, now: datetime) -> PersonView | None:
    """Who answers for a choice: its POC, or its nearest ancestor's."""
    return answer_for(topic_id, session=session, snapshot=snapshot, now=now).primary


def _nothing(related: list[Candidate], query: str, *, snapshot: Snapshot, lang: str,
             fallback: str | None = None) -> Reply:
    """Nobody named; the plausibly related topics offered, if any, and where to ask."""
    names = tuple(snapshot.topics[c.topic_id].name for c in related)
    actions = tuple(Action("lookup", snapshot.topics[c.topic_id].name, str(c.topic_id)) for c in related)
    values = {"fallback": ChannelRef(fallback)} if fallback else {}
    return Reply(ReplyKind.unknown, lang, suggestions=names, query=query, actions=actions, values=values)


def actions_for(answer: TopicAnswer) -> tuple[Action, ...]:
    actions = [Action("share", answer.topic, str(answer.topic_id))]
    if answer.primary is not None:
        actions.append(Action("ask", answer.primary.name, str(answer.topic_id)))
    return tuple(actions)


def _view(a: AssignedPerson) -> PersonView:
    return PersonView(a.person_id, a.name, a.email, a.slack_id, a.teams_id)
