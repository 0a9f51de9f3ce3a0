"""Conversation references, kept from the activities the adapter accepted, for proactive messages."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes
from sqlalchemy.engine import Engine

from store import teams_references
from store.db import write_session

_LOGGER = logging.getLogger(__name__)
KEPT_TYPES = {ActivityTypes.message, ActivityTypes.conversation_update, ActivityTypes.installation_update,
              ActivityTypes.invoke}
MAX_REMEMBERED = 10_000


def channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None)
    return kind == "personal" or (kind is None and not getattr(conversation, "is_group", False))


def address_of(activity: Activity) -> str | None:
    """What outbox rows call this conversation: the user ("29:...") in a 1:1 chat, else the
    channel or group chat id without the ";messageid=" of the thread it came from."""
    conversation = activity.conversation
    if conversation is None or not conversation.id:
        return None
    if is_personal(activity):
        return activity.from_property.id if activity.from_property and activity.from_property.id else None
    channel = (channel_data(activity).get("channel") or {}).get("id")
    return str(channel or conversation.id.split(";", 1)[0])


def tenant_of(activity: Activity) -> str:
    tenant = (channel_data(activity).get("tenant") or {}).get("id")
    return str(tenant or getattr(activity.conversation, "tenant_id", None) or "")


class References:
    """Stores each conversation's reference when it is new or has moved (service URL, id)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime], app_id: str) -> None:
        self.engine, self.clock, self.app_id = engine, clock, app_id
        self._saved: dict[str, tuple[str, str]] = {}

    async def keep(self, context: TurnContext) -> None:
        activity = context.activity
        address = address_of(activity)
        if activity.type not in KEPT_TYPES or not address or not activity.service_url:
            return
        reference = TurnContext.get_conversation_reference(activity)
        # New posts go to the channel itself, not into the thread this came from.
        reference.conversation.id = address if not is_personal(activity) else activity.conversation.id
        seen = (reference.conversation.id, activity.service_url)
        if self._saved.get(address) == seen:
            return
        try:
            await asyncio.to_thread(self._save, address, reference.serialize(), tenant_of(activity))
        except Exception:  # answering matters more than remembering
            _LOGGER.warning("could not store the Teams conversation reference of %s", address, exc_info=True)
            return
        if len(self._saved) >= MAX_REMEMBERED:
            self._saved.clear()
        self._saved[address] = seen

    async def forget(self, context: TurnContext) -> None:
        address = address_of(context.activity)
        if address:
            self._saved.pop(address, None)
            await asyncio.to_thread(self._forget, address)

    def _save(self, address: str, reference: dict[str, Any], tenant: str) -> None:
        conversation = reference.get("conversation") or {}
        with write_session(self.engine) as session:
            teams_references.save(
                session=session, address=address, conversation_id=conversation.get("id", ""),
                service_url=reference.get("serviceUrl", ""), tenant_id=tenant, app_id=self.app_id,
                reference=reference, now=self.clock(),
            )

    def _forget(self, address: str) -> None:
        with write_session(self.engine) as session:
            teams_references.forget(session=session, address=address)
