"""Topic vectors kept in the store: encoded once when the directory changes, read by every process."""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.understanding.meaning import (MODEL, PARTS, PARTS_SUFFIX, VECTORS, Encoder, VectorCache,
                                       description_parts, topic_text)
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
    """One vector per topic, in order, and how many topics had to be encoded (then stored)."""
    texts = [[topic_text(d.name, d.aliases, d.description)] for d in documents]
    encoded = _through_store(engine, encoder, encoder.name, VECTORS, documents, texts, progress)
    return VECTORS.vectors(encoder, [t[0] for t in texts], directory=True), encoded


def part_vectors(engine: Engine, encoder: Encoder, documents: Sequence[TopicDocument],
                 progress: Progress | None = None) -> tuple[np.ndarray, list[int], int]:
    """A vector per part of each topic's description (see `description_parts`), the position of
    the topic owning each row, and how many topics had to be encoded (then stored)."""
    texts = [description_parts(d.name, d.description) for d in documents]
    encoded = _through_store(engine, encoder, encoder.name + PARTS_SUFFIX, PARTS, documents, texts, progress)
    owners = [position for position, parts in enumerate(texts) for _ in parts]
    flat = [part for parts in texts for part in parts]
    return PARTS.vectors(encoder, flat, directory=True), owners, encoded


def _through_store(engine: Engine, encoder: Encoder, model: str, cache: VectorCache,
                   documents: Sequence[TopicDocument], texts: Sequence[Sequence[str]],
                   progress: Progress | None) -> int:
    """Puts each topic's vectors in the cache: from memory, else from the store when the text is
    unchanged, else encoded and stored. Returns how many topics were encoded."""
    hashes = [text_hash("\n".join(t)) for t in texts]
    unseen = [i for i, t in enumerate(texts) if t and not all(cache.has(encoder.name, x) for x in t)]
    with read_session(engine) as session:
        stored = vector_store.load(session=session, model=model, topic_ids=[documents[i].topic_id for i in unseen])
    missing = []
    for i in unseen:
        hashed, data = stored.get(documents[i].topic_id, ("", b""))
        if hashed != hashes[i]:
            missing.append(i)
            continue
        cache.seed(encoder.name, texts[i], np.frombuffer(data, dtype=np.float32).reshape(len(texts[i]), -1))
    for start in range(0, len(missing), _BATCH):
        batch = missing[start:start + _BATCH]
        flat = [x for i in batch for x in texts[i]]
        vectors = encoder.encode(flat, query=False)
        cache.seed(encoder.name, flat, vectors)
        rows, at = [], 0
        for i in batch:
            rows.append((documents[i].topic_id, hashes[i], vectors[at:at + len(texts[i])].tobytes()))
            at += len(texts[i])
        _store(engine, model, rows)
        if progress is not None:
            progress(start + len(batch), len(missing))
    return len(missing)


def refresh(engine: Engine, documents: Sequence[TopicDocument], progress: Progress | None = None) -> int:
    """Encode and store the vectors the directory lacks (after an import); how many were missing."""
    encoder = MODEL.get()
    if encoder is None or not documents:
        return 0
    _, encoded = topic_vectors(engine, encoder, documents, progress)
    _, _, parts = part_vectors(engine, encoder, documents, progress)
    _LOGGER.info("topic vectors: %d of %d topics encoded (%d topics' description parts)", encoded, len(documents), parts)
    return encoded


def _store(engine: Engine, model: str, rows: list[tuple[int, str, bytes]]) -> None:
    """Best effort: another replica writing the same vectors, or a read-only store, is not an error."""
    try:
        with write_session(engine) as session:
            vector_store.save(session=session, model=model, rows=rows)
    except SQLAlchemyError as exc:
        _LOGGER.warning("could not store %d topic vectors: %s", len(rows), exc)
