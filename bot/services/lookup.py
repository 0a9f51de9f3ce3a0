"""Answer 'who is the POC for X': resolve the topic, then who holds it (or its parent)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.messages import Action, PersonView, Reply, ReplyKind, TopicAnswer
from bot.resolve import MatchKind, Resolution, TopicIndex
from store import queries
from store.models import AssignmentKind, Person, Topic

_MAX_PARENT_DEPTH = 20  # imports reject cycles; this only bounds a corrupted store


def lookup(query: str, *, session: Session, index: TopicIndex, lang: str, now: datetime) -> Reply:
    found = index.resolve(query)
    if found.kind is MatchKind.unknown:
        return Reply(ReplyKind.unknown, lang, query=query)
    if found.topic_id is None:
        return _suggestions(found, query, session=session, lang=lang)
    answer = answer_for(found.topic_id, session=session, now=now, resolution=found)
    return Reply(ReplyKind.answer, lang, answer=answer, query=query, actions=_actions(answer))


def answer_for(
    topic_id: int, *, session: Session, now: datetime, resolution: Resolution | None = None
) -> TopicAnswer:
    """The topic's POC and backups; when it has no POC, its nearest ancestor's."""
    topic = queries.topic(session=session, topic_id=topic_id)
    assert topic is not None and topic.id is not None
    holder, primary, backups = _holder(topic, session=session, now=now)
    return TopicAnswer(
        topic_id=topic.id,
        topic=topic.name,
        description=topic.description,
        channel=_channel(topic, session=session),
        primary=primary,
        backups=backups,
        matched=_matched_text(topic, resolution),
        matched_alias=bool(resolution and resolution.via_alias),
        inherited_from=holder.name if holder is not topic else None,
    )


def _holder(
    topic: Topic, *, session: Session, now: datetime
) -> tuple[Topic, PersonView | None, tuple[PersonView, ...]]:
    current = topic
    for _ in range(_MAX_PARENT_DEPTH):
        assigned = queries.assigned_at(session=session, topic_ids=[current.id], at=now)
        primary = [a.person for a in assigned if a.kind == AssignmentKind.primary]
        backups = tuple(_view(a.person) for a in assigned if a.kind == AssignmentKind.backup)
        if primary:
            return current, _view(primary[0]), backups
        parent = current.parent_id and queries.topic(session=session, topic_id=current.parent_id)
        if not parent:
            break
        current = parent
    own = queries.assigned_at(session=session, topic_ids=[topic.id], at=now)
    return topic, None, tuple(_view(a.person) for a in own)


def _channel(topic: Topic, *, session: Session) -> str | None:
    """The topic's own channel, else the nearest ancestor's: where to go with questions."""
    current: Topic | None = topic
    for _ in range(_MAX_PARENT_DEPTH):
        if current is None or current.channel:
            break
        current = current.parent_id and queries.topic(session=session, topic_id=current.parent_id) or None
    return current.channel if current else None


def _matched_text(topic: Topic, resolution: Resolution | None) -> str | None:
    if resolution is None or resolution.kind is MatchKind.exact and not resolution.via_alias:
        return None
    if resolution.matched == topic.name and resolution.kind is MatchKind.exact:
        return None
    return resolution.matched


def _suggestions(found: Resolution, query: str, *, session: Session, lang: str) -> Reply:
    topics = queries.topics_by_id(session=session, topic_ids=list(found.suggestions))
    names = tuple(topics[i].name for i in found.suggestions if i in topics)
    actions = tuple(Action("lookup", name, name) for name in names)
    return Reply(ReplyKind.suggestions, lang, suggestions=names, query=query, actions=actions)


def _actions(answer: TopicAnswer) -> tuple[Action, ...]:
    actions = [Action("share", "share", answer.topic)]
    if answer.primary is not None:
        actions.append(Action("ask", answer.primary.name, answer.topic))
    return tuple(actions)


def _view(person: Person) -> PersonView:
    assert person.id is not None
    return PersonView(person.id, person.name, person.email, person.slack_id, person.teams_id)
