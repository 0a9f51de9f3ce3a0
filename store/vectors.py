"""Stored topic vectors: read them all for one model, write the new ones (the only SQL on them)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlmodel import Session

from store.models import TopicVector


def load(*, session: Session, model: str, topic_ids: Sequence[int] | None = None) -> dict[int, tuple[str, bytes]]:
    """topic id -> (hash of the text encoded, vector bytes), for one model (all topics, or these)."""
    query = select(TopicVector.topic_id, TopicVector.text_hash, TopicVector.vector).where(TopicVector.model == model)
    if topic_ids is None:
        return {row[0]: (row[1], bytes(row[2])) for row in session.execute(query)}
    found: dict[int, tuple[str, bytes]] = {}
    for start in range(0, len(topic_ids), 1000):
        chunk = list(topic_ids[start:start + 1000])
        found.update((row[0], (row[1], bytes(row[2]))) for row in session.execute(query.where(TopicVector.topic_id.in_(chunk))))
    return found


def save(*, session: Session, model: str, rows: Iterable[tuple[int, str, bytes]]) -> int:
    """Replace the vectors of these topics for the model; the number written."""
    rows = list(rows)
    if not rows:
        return 0
    ids = [topic_id for topic_id, _, _ in rows]
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        session.execute(delete(TopicVector).where(TopicVector.model == model, TopicVector.topic_id.in_(chunk)))
    session.add_all(TopicVector(topic_id=t, model=model, text_hash=h, vector=v) for t, h, v in rows)
    session.flush()
    return len(rows)
