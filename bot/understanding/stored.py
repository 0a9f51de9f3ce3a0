"""Topic vectors kept in the store: encoded once when the directory changes, read by every process."""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.understanding.meaning import MODEL, VECTORS, Encoder, topic_text
from bot.understanding.words import TopicDocument
from store import vectors as vector_store
from store.db import read_session, write_session

_LOGGER = logging.getLogger(__name__)
_BATCH = 64
Progress = Callable[[int, int], None]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def topic_vectors(engine: Engine, encoder: Encoder, documents: Sequence[TopicDocument],
                  progress: Progress | None = None) -> np.ndarray:
    """One vector per topic, in order: read from the store, the missing ones encoded and stored."""
    texts = [topic_text(d.name, d.aliases, d.description) for d in documents]
    hashes = [text_hash(t) for t in texts]
    with read_session(engine) as session:
        stored = vector_store.load(session=session, model=encoder.name)
    known = [(t, np.frombuffer(stored[d.topic_id][1], dtype=np.float32))
             for d, t, h in zip(documents, texts, hashes) if stored.get(d.topic_id, ("",))[0] == h]
    if known:
        VECTORS.seed(encoder.name, [t for t, _ in known], np.stack([v for _, v in known]))
    missing = [i for i, (d, h) in enumerate(zip(documents, hashes)) if stored.get(d.topic_id, ("",))[0] != h]
    _encode(encoder, [texts[i] for i in missing], progress)
    vectors = VECTORS.vectors(encoder, texts)
    if missing:
        _store(engine, encoder.name, [(documents[i].topic_id, hashes[i], vectors[i].tobytes()) for i in missing])
    return vectors


def refresh(engine: Engine, documents: Sequence[TopicDocument], progress: Progress | None = None) -> int:
    """Encode and store the vectors the directory lacks (after an import); how many were missing."""
    encoder = MODEL.get()
    if encoder is None or not documents:
        return 0
    before = len(documents)
    with read_session(engine) as session:
        stored = vector_store.load(session=session, model=encoder.name)
    fresh = sum(stored.get(d.topic_id, ("",))[0] != text_hash(topic_text(d.name, d.aliases, d.description))
                for d in documents)
    if fresh:
        topic_vectors(engine, encoder, documents, progress)
    _LOGGER.info("topic vectors: %d of %d encoded", fresh, before)
    return fresh


def _encode(encoder: Encoder, texts: list[str], progress: Progress | None) -> None:
    for start in range(0, len(texts), _BATCH):
        VECTORS.vectors(encoder, texts[start:start + _BATCH])
        if progress is not None:
            progress(min(start + _BATCH, len(texts)), len(texts))


def _store(engine: Engine, model: str, rows: list[tuple[int, str, bytes]]) -> None:
    """Best effort: another replica writing the same vectors, or a read-only store, is not an error."""
    try:
        with write_session(engine) as session:
            vector_store.save(session=session, model=model, rows=rows)
    except SQLAlchemyError as exc:
        _LOGGER.warning("could not store %d topic vectors: %s", len(rows), exc)
