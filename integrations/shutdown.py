"""What `pocbot serve` hands back when it stops: the outbox rows it claimed but is not delivering."""
from __future__ import annotations

import threading
from collections.abc import Mapping

from sqlalchemy.engine import Engine

from bot.delivery import Delivered, DeliveryError, Notifier, OutboundMessage
from store import outbox
from store.db import write_session


class InFlight:
    """Knows which claimed rows are being delivered right now, and refuses new deliveries
    once stopping: so the rest can be handed back at once, even while a slow delivery
    holds the dispatch run, and none is sent here after it was handed back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[int] = set()
        # Per dispatch thread, the row it delivered last: delivered but maybe not yet marked sent.
        # Handing that back would let a restart deliver it again; the thread settles it before
        # it starts its next delivery.
        self._landed: dict[int, int] = {}
        self._stopping = False

    def wrap(self, notifiers: Mapping[str, Notifier]) -> dict[str, Notifier]:
        return {platform: _Tracked(notifier, self) for platform, notifier in notifiers.items()}

    def stop(self) -> set[int]:
        """Refuse deliveries from now on; returns the ids still being delivered."""
        with self._lock:
            self._stopping = True
            return self._ids | set(self._landed.values())

    def start(self, message_id: int) -> None:
        with self._lock:
            if self._stopping:
                # The row was (or will be) handed back: settling this failure finds it no longer held.
                raise DeliveryError("stopping: handed back undelivered")
            self._ids.add(message_id)
            self._landed.pop(threading.get_ident(), None)

    def done(self, message_id: int, *, landed: bool = False) -> None:
        with self._lock:
            self._ids.discard(message_id)
            if landed:
                self._landed[threading.get_ident()] = message_id


class _Tracked:
    def __init__(self, notifier: Notifier, in_flight: InFlight) -> None:
        self.notifier, self.in_flight, self.platform = notifier, in_flight, notifier.platform

    def deliver(self, message: OutboundMessage) -> Delivered | None:
        self.in_flight.start(message.id or 0)
        try:
            delivered = self.notifier.deliver(message)
        except BaseException:
            self.in_flight.done(message.id or 0)
            raise
        self.in_flight.done(message.id or 0, landed=True)
        return delivered


def hand_back(engine: Engine, worker: str, in_flight: InFlight) -> int:
    """Release every row this worker holds but is not delivering; returns how many."""
    delivering = in_flight.stop()
    with write_session(engine) as session:
        return outbox.release_all_but(session=session, worker=worker, keep=delivering)
