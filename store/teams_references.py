"""Teams conversation references: kept from accepted activities, read for proactive messages."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from store.models import TeamsReference


def save(*, session: Session, address: str, conversation_id: str, service_url: str, tenant_id: str,
         app_id: str, reference: dict[str, Any], now: datetime) -> None:
    """Insert or refresh the reference for an address (the latest activity wins)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"conversation_id": conversation_id[:400], "service_url": service_url[:400],
              "tenant_id": tenant_id[:64], "app_id": app_id[:64], "reference": reference, "updated_at": now}
    statement = dialect.insert(TeamsReference.__table__).values(address=address[:200], **values)
    session.execute(statement.on_conflict_do_update(index_elements=["address"], set_=values))


def get(*, session: Session, address: str, app_id: str) -> TeamsReference | None:
    """The reference for an address, if it was accepted under this app id."""
    query = select(TeamsReference).where(TeamsReference.address == address, TeamsReference.app_id == app_id)
    return session.execute(query).scalar_one_or_none()


def latest(*, session: Session, app_id: str) -> TeamsReference | None:
    """The most recent reference under this app id: its service URL and tenant start new chats."""
    query = (select(TeamsReference).where(TeamsReference.app_id == app_id)
             .order_by(TeamsReference.updated_at.desc()).limit(1))
    return session.execute(query).scalar_one_or_none()


def forget(*, session: Session, address: str) -> None:
    session.execute(delete(TeamsReference).where(TeamsReference.address == address))
