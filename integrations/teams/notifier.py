"""Delivers outbox rows to Teams as Adaptive Cards, through the stored conversation references."""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount, ConversationParameters
from botframework.connector.aio import ConnectorClient
from msrest.exceptions import ClientRequestError, HttpOperationError
from sqlalchemy.engine import Engine

from bot.notices import notice_actions, render_notice
from bot.delivery import Delivered, DeliveryError, OutboundMessage
from bot.settings import Settings
from integrations.teams import render
from integrations.teams.auth import authentication, bot_identity
from integrations.teams.config import TeamsConfig, teams_config, teams_enabled, teams_problem
from store import teams_references
from store.db import read_session, write_session
from store.models import TeamsReference

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
# What Microsoft asks bots to retry, with backoff: throttled, precondition, gateway errors.
RETRY_STATUSES = frozenset({412, 429, 502, 504})
# A card Teams rejects, a conversation the bot was removed from or that is gone.
PERMANENT_STATUSES = frozenset({400, 403, 404})
GONE_STATUSES = frozenset({403, 404})
MAX_ATTEMPTS = 3
BASE_DELAY, MAX_DELAY = 0.5, 4.0  # seconds
THREADED_KINDS = ("inquiry_progress", "inquiry_update")


class TeamsNotifier:
    """Posts a notice into a stored conversation; a user with none gets a new 1:1 chat first.

    Each call delivers once: retryable statuses are retried a few times here (jittered,
    capped backoff), and a 429 that says when to come back goes to the dispatcher instead.
    """

    platform = "teams"

    def __init__(self, engine: Engine, config: TeamsConfig, *, attempts: int = MAX_ATTEMPTS,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 jitter: Callable[[], float] = random.random) -> None:
        self.engine, self.config = engine, config
        self.auth = authentication(config)
        self.attempts, self.sleep, self.jitter = max(1, attempts), sleep, jitter

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine) -> TeamsNotifier | None:
        """The notifier when Teams is on and its settings work, else None (Teams rows then wait)."""
        if not teams_enabled(settings) or teams_problem(settings):
            return None
        return cls(engine, teams_config(settings))

    def deliver(self, message: OutboundMessage) -> Delivered:
        mentions = render.Mentions()
        lang = (message.payload or {}).get("lang", "en")
        card = render.notice_card(render_notice(message, mentions.style()), notice_actions(message), lang, mentions)
        attachment = Attachment(content_type=card["contentType"], content=card["content"])
        activity = Activity(type=ActivityTypes.message, attachments=[attachment])
        # The dispatcher runs in a worker thread with no event loop; the connector is async.
        return asyncio.run(self._deliver(message, activity))

    async def _deliver(self, message: OutboundMessage, activity: Activity) -> Delivered:
        with read_session(self.engine) as session:
            reference = teams_references.get(session=session, address=message.address, app_id=self.config.APP_ID)
        if reference is None:
            reference = await self._open_chat(message.address)
        conversation = _conversation(message, reference)
        try:
            async with await self._connector(reference.service_url) as connector:
                posted = await self._retrying(
                    lambda: connector.conversations.send_to_conversation(conversation, activity))
        except TeamsDeliveryError as exc:
            if exc.status in GONE_STATUSES:
                self._forget(message.address)  # a later message opens a new chat, if it can
            raise
        thread = posted.id if posted is not None and _is_channel(reference) else None
        return Delivered(message.address, thread)

    async def _open_chat(self, address: str) -> TeamsReference:
        """A user the bot has no chat with: create it (POST /v3/conversations) and keep it."""
        with read_session(self.engine) as session:
            known = teams_references.latest(session=session, app_id=self.config.APP_ID)
        if not address.startswith("29:") or known is None:
            raise DeliveryError(f"no Teams conversation is known for {address}: add the app there first")
        tenant = self.config.APP_TENANTID or known.tenant_id
        bot = dict(known.reference.get("bot") or {"id": f"28:{self.config.APP_ID}"})
        parameters = ConversationParameters(
            is_group=False, bot=ChannelAccount(id=bot.get("id"), name=bot.get("name")),
            members=[ChannelAccount(id=address)], tenant_id=tenant, channel_data={"tenant": {"id": tenant}},
        )
        async with await self._connector(known.service_url) as connector:  # closes its HTTP session
            created = await self._retrying(lambda: connector.conversations.create_conversation(parameters))
        service_url = created.service_url or known.service_url
        reference = {"channelId": "msteams", "serviceUrl": service_url, "bot": bot, "user": {"id": address},
                     "conversation": {"id": created.id, "conversationType": "personal", "tenantId": tenant}}
        with write_session(self.engine) as session:
            teams_references.save(session=session, address=address, conversation_id=created.id,
                                  service_url=service_url, tenant_id=tenant, app_id=self.config.APP_ID,
                                  reference=reference, now=datetime.now(timezone.utc))
        return TeamsReference(address=address, conversation_id=created.id, service_url=service_url,
                              tenant_id=tenant, app_id=self.config.APP_ID, reference=reference)

    async def _connector(self, service_url: str) -> ConnectorClient:
        """What CloudAdapter.continue_conversation builds, with the client's own retries off:
        msrest would retry 5xx (sleeping) and give up on 429, which is not the rule here."""
        factory = self.auth.create_connector_factory(bot_identity(self.config.APP_ID))
        connector = await factory.create(service_url, None)
        # The client's session already holds this very Retry object: change it in place.
        connector.config.retry_policy.retries = 0
        connector.config.retry_policy.policy.status_forcelist = frozenset()  # statuses come back to us
        return connector

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(self.attempts):
            try:
                return await call()
            except HttpOperationError as exc:
                status = _status(exc)
                after = _retry_after(exc) if status == 429 else None
                if after is not None:
                    raise DeliveryError("rate limited by Teams (HTTP 429)", retry_after=after) from exc
                if status not in RETRY_STATUSES or attempt == self.attempts - 1:
                    raise delivery_error(exc, status) from exc
            except (ClientRequestError, OSError) as exc:  # connection refused, reset, timed out
                if attempt == self.attempts - 1:
                    raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
            await self.sleep(self._backoff(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, and jittered so that many workers do not retry in step."""
        ceiling = min(MAX_DELAY, BASE_DELAY * 2**attempt)
        return ceiling / 2 + self.jitter() * ceiling / 2

    def _forget(self, address: str) -> None:
        with write_session(self.engine) as session:
            teams_references.forget(session=session, address=address)


class TeamsDeliveryError(DeliveryError):
    """A failure the connector answered with an HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, permanent=status in PERMANENT_STATUSES)
        self.status = status


def delivery_error(exc: HttpOperationError, status: int) -> TeamsDeliveryError:
    return TeamsDeliveryError(f"HTTP {status}: {str(exc.message or '')[:200]}", status)


def _conversation(message: OutboundMessage, reference: TeamsReference) -> str:
    """Progress on an inquiry goes into its own channel thread, where the asker follows it."""
    payload = message.payload or {}
    thread = payload.get("thread")
    if message.kind in THREADED_KINDS and thread and message.address == payload.get("conversation"):
        if _is_channel(reference):
            return f"{reference.conversation_id};messageid={thread}"
    return reference.conversation_id


def _is_channel(reference: TeamsReference) -> bool:
    return (reference.reference.get("conversation") or {}).get("conversationType") == "channel"


def _status(exc: HttpOperationError) -> int:
    return int(getattr(exc.response, "status_code", 0) or 0)


def _retry_after(exc: HttpOperationError) -> float | None:
    value = (getattr(exc.response, "headers", None) or {}).get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: rare; the dispatcher's own backoff will do
        return None
