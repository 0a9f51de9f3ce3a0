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
_BATCH = 256  # encoded, then stored, at a time: an interrupted import keeps what it finished
Progress = Callable[[int, int], None]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def topic_vectors(engine: Engine, encoder: Encoder, documents: Sequence[TopicDocument],
                  progress: Progress | None = None) -> tuple[np.ndarray, int]:
    """One vector per topic, in order, and how many had to be encoded (then stored)."""
    texts = [topic_text(d.name, d.aliases, d.description) for d in documents]
    hashes = [text_hash(t) for t in texts]
    unseen = [i for i, t in enumerate(texts) if not VECTORS.has(encoder.name, t)]  # a rebuild reads only these
    with read_session(engine) as session:
        stored = vector_store.load(session=session, model=encoder.name,
                                   topic_ids=[documents[i].topic_id for i in unseen])
    fresh = [True] * len(texts)
    for i in unseen:
        fresh[i] = stored.get(documents[i].topic_id, ("",))[0] == hashes[i]
    known = [(texts[i], np.frombuffer(stored[documents[i].topic_id][1], dtype=np.float32))
             for i in unseen if fresh[i]]
    if known:
        VECTORS.seed(encoder.name, [t for t, _ in known], np.stack([v for _, v in known]))
    missing = [i for i, ok in enumerate(fresh) if not ok]
    for start in range(0, len(missing), _BATCH):
        batch = missing[start:start + _BATCH]
        vectors = encoder.encode([texts[i] for i in batch], query=False)
        VECTORS.seed(encoder.name, [texts[i] for i in batch], vectors)
        _store(engine, encoder.name, [(documents[i].topic_id, hashes[i], v.tobytes()) for i, v in zip(batch, vectors)])
        if progress is not None:
            progress(start + len(batch), len(missing))
    return VECTORS.vectors(encoder, texts, directory=True), len(missing)


def refresh(engine: Engine, documents: Sequence[TopicDocument], progress: Progress | None = None) -> int:
    """Encode and store the vectors the directory lacks (after an import); how many were missing."""
    encoder = MODEL.get()
    if encoder is None or not documents:
        return 0
    _, encoded = topic_vectors(engine, encoder, documents, progress)
    _LOGGER.info("topic vectors: %d of %d encoded", encoded, len(documents))
    return encoded


def _store(engine: Engine, model: str, rows: list[tuple[int, str, bytes]]) -> None:
    """Best effort: another replica writing the same vectors, or a read-only store, is not an error."""
    try:
        with write_session(engine) as session:
            vector_store.save(session=session, model=model, rows=rows)
    except SQLAlchemyError as exc:
        _LOGGER.warning("could not store %d topic vectors: %s", len(rows), exc)
