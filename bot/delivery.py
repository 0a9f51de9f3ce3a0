"""What the dispatcher asks of a platform's notifier, and how a notifier says it failed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class OutboundMessage(Protocol):
    """A claimed outbox row, as a notifier sees it (store.models.OutboxMessage fits)."""

    id: int | None
    platform: str
    address: str
    kind: str
    payload: dict[str, Any]
    dedupe_key: str  # unique per message: a platform may stamp it on the post to find it again
    tries: int  # claims taken so far, this one included: above one, an earlier try may have landed
    first_tried_at: datetime | None


class DeliveryError(Exception):
    """A delivery that did not happen.

    retry_after: seconds the platform asked us to wait (a 429's Retry-After).
    permanent: retrying cannot help (no such channel, user gone): give the row up.
    not_member: the bot is not in that channel and cannot join it alone (a private
    channel): someone must invite it, so the people who can are told.
    """

    def __init__(self, message: str, retry_after: float | None = None, permanent: bool = False,
                 not_member: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent or not_member
        self.not_member = not_member


@dataclass(frozen=True)
class Delivered:
    """Where a message landed: its conversation, and the id replies thread under."""

    conversation: str
    thread: str | None = None


class Notifier(Protocol):
    """Delivers outbox rows of one platform; renders them the platform's way."""

    platform: str

    def deliver(self, message: OutboundMessage) -> Delivered | None:
        """Send the message or raise DeliveryError; return only once it is sent.

        Returning where it landed lets an inquiry's introduction become its thread.
        """
        ...
