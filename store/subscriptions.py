"""Channel subscriptions to changes, as chat commands add and remove them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session

from store.models import Subscription


def _same(platform: str, channel: str | None, kind: str, target: str) -> tuple:
    return (Subscription.platform == platform, Subscription.channel == channel,
            Subscription.target_kind == kind, Subscription.target == target)


def add(*, session: Session, platform: str, channel: str | None, kind: str, target: str, actor: str,
        now: datetime) -> None:
    """Subscribe the channel, unless it is already."""
    exists = select(Subscription.id).where(*_same(platform, channel, kind, target))
    if session.execute(exists).first() is None:
        session.add(Subscription(platform=platform, channel=channel, target_kind=kind, target=target,
                                 created_by=actor, created_at=now))


def remove(*, session: Session, platform: str, channel: str | None, kind: str, target: str) -> None:
    session.execute(delete(Subscription).where(*_same(platform, channel, kind, target)))


def remove_all(*, session: Session, platform: str, channel: str) -> None:
    """Everything the channel is subscribed to."""
    session.execute(delete(Subscription).where(Subscription.platform == platform, Subscription.channel == channel))
