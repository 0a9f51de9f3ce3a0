"""A trigram inverted index over many short strings, built and queried with NumPy."""
from __future__ import annotations

import numpy as np

_BUCKETS = 1 << 20
_CHUNK = 4096
_LOW = np.uint64(0xFFFFFFFF)


def hash_trigrams(key: str) -> np.ndarray:
    """The distinct trigram buckets of a key (padded with spaces to mark word edges)."""
    codes = np.frombuffer(f" {key} ".encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return np.unique(_mix(codes[:-2], codes[1:-1], codes[2:]))


def _mix(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return ((a * 1_000_003 + b) * 1_000_003 + c) % _BUCKETS


class TrigramIndex:
    """CSR postings: bucket -> positions of the keys holding that trigram."""

    def __init__(self, keys: list[str]) -> None:
        self.size = len(keys)
        self.offsets, self.postings, self.grams = _build(keys)

    def counts(self, grams: np.ndarray) -> np.ndarray:
        """How many of these trigram buckets each key shares (an array over all keys)."""
        lists = [self.postings[self.offsets[g] : self.offsets[g + 1]] for g in grams]
        if not lists or not self.size:
            return np.zeros(self.size, dtype=np.int64)
        return np.bincount(np.concatenate(lists), minlength=self.size)


def _build(keys: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pack (bucket << 32 | position) into one array and sort it in place: low peak memory."""
    total = sum(len(k) + 2 for k in keys)
    packed = np.empty(total, dtype=np.uint64)
    grams = np.zeros(len(keys), dtype=np.int32)
    counts = np.zeros(_BUCKETS, dtype=np.int64)
    filled = 0
    for start in range(0, len(keys), _CHUNK):
        chunk = [f" {k} " for k in keys[start : start + _CHUNK]]
        width = max(len(k) for k in chunk)
        codes = np.array(chunk, dtype=f"<U{width}").view(np.uint32).reshape(len(chunk), width)
        codes = codes.astype(np.uint64)
        buckets = _mix(codes[:, :-2], codes[:, 1:-1], codes[:, 2:])
        valid = codes[:, 2:] != 0
        rows = np.broadcast_to(np.arange(start, start + len(chunk), dtype=np.uint64)[:, None], buckets.shape)
        kept = buckets[valid]
        counts += np.bincount(kept.astype(np.int64), minlength=_BUCKETS)
        values = (kept << np.uint64(32)) | rows[valid]
        packed[filled : filled + len(values)] = values
        filled += len(values)
        grams[start : start + len(chunk)] = valid.sum(axis=1)
    packed = packed[:filled]
    packed.sort()  # in place: by bucket, then by position
    packed &= _LOW  # keep the positions, in place
    offsets = np.zeros(_BUCKETS + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets, packed.astype(np.int32), grams
