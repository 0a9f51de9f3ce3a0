"""A notifier that records what it was asked to deliver, and can be told to fail."""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from bot.delivery import DeliveryError, OutboundMessage


@dataclass
class RecordingNotifier:
    platform: str = "slack"
    delivered: list[tuple[int, str, str]] = field(default_factory=list)  # (row id, address, worker)
    failures: deque[Exception] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, *errors: Exception) -> None:
        """Raise these on the next deliveries, in order, then deliver normally."""
        self.failures.extend(errors)

    def deliver(self, message: OutboundMessage) -> None:
        with self._lock:
            if self.failures:
                raise self.failures.popleft()
            self.delivered.append((message.id or 0, message.address, getattr(message, "claimed_by", "") or ""))

    @property
    def ids(self) -> list[int]:
        with self._lock:
            return [d[0] for d in self.delivered]


__all__ = ["DeliveryError", "RecordingNotifier"]
