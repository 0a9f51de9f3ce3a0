"""Topic vectors are data: encoded once, stored with a hash of their text, read back by any process."""
from __future__ import annotations

import hashlib

import numpy as np
from sqlalchemy import func, select, update

from bot.index_cache import directory_documents
from bot.understanding import meaning
from bot.understanding.stored import part_vectors, topic_vectors
from store.db import read_session, write_session
from store.models import Topic, TopicVector
from tests.harness import load_demo


class CountingEncoder:
    """A stand-in model: a fixed vector per text, and a count of the texts it was asked to encode."""

    name = "counting-test"

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts, *, query: bool) -> np.ndarray:
        self.encoded += len(texts)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest(), dtype=np.uint8)[:8].astype(np.float32)
                for t in texts]
        return np.stack([r / np.linalg.norm(r) for r in rows]) if rows else np.zeros((0, 8), np.float32)


def documents(engine):
    with read_session(engine) as session:
        return directory_documents(session=session)


def test_vectors_are_encoded_once_then_read_from_the_store_and_a_changed_topic_alone_again(engine, monkeypatch):
    load_demo(engine)
    monkeypatch.setattr(meaning, "VECTORS", meaning.VectorCache())
    monkeypatch.setattr("bot.understanding.stored.VECTORS", meaning.VECTORS)
    encoder = CountingEncoder()
    docs = documents(engine)

    first, encoded = topic_vectors(engine, encoder, docs)
    assert encoded == len(docs) and encoder.encoded == len(docs) and first.shape == (len(docs), 8)
    with read_session(engine) as session:
        rows = select(func.count()).select_from(TopicVector).where(TopicVector.model == encoder.name)
        assert session.execute(rows).scalar_one() == len(docs)

    fresh_process = meaning.VectorCache()  # another replica: nothing in memory
    monkeypatch.setattr("bot.understanding.stored.VECTORS", fresh_process)
    again, encoded = topic_vectors(engine, CountingEncoder(), docs)
    assert encoded == 0 and np.allclose(again, first)

    with write_session(engine) as session:
        session.execute(update(Topic).where(Topic.name == "Payroll").values(description="Pay and payslips"))
    _, encoded = topic_vectors(engine, CountingEncoder(), documents(engine))
    assert encoded == 1


def test_description_parts_are_stored_per_topic_and_read_back_without_encoding(engine, monkeypatch):
    load_demo(engine)
    with write_session(engine) as session:
        session.execute(update(Topic).where(Topic.name == "Payroll").values(description="Pay, payslips and pay errors"))
    monkeypatch.setattr(meaning, "PARTS", meaning.VectorCache(meaning.PARTS.dtype))
    monkeypatch.setattr("bot.understanding.stored.PARTS", meaning.PARTS)
    docs = documents(engine)
    expected = [meaning.description_parts(d.name, d.description) for d in docs]
    split = [i for i, parts in enumerate(expected) if parts]
    assert split, "the demo has topics with multi-clause descriptions"

    encoder = CountingEncoder()
    first, owners, encoded = part_vectors(engine, encoder, docs)
    assert encoded == len(split) and encoder.encoded == sum(len(p) for p in expected)
    assert first.shape == (len(owners), 8) and sorted(set(owners)) == split
    assert first.dtype == np.float16  # one half-precision copy in memory: the index uses it as is

    monkeypatch.setattr("bot.understanding.stored.PARTS", meaning.VectorCache(np.float16))  # a fresh process
    again, owners_again, encoded = part_vectors(engine, CountingEncoder(), docs)
    assert encoded == 0 and owners_again == owners and np.allclose(again, first)

    with write_session(engine) as session:
        session.execute(update(Topic).where(Topic.name == "Payroll").values(description="Pay, payslips and bonuses"))
    _, _, encoded = part_vectors(engine, CountingEncoder(), documents(engine))
    assert encoded == 1
