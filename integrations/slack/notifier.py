"""Delivers outbox rows to Slack: Block Kit through chat.postMessage, errors as DeliveryError."""
from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator

from bot.notices import render_notice
from bot.notify import DeliveryError, OutboundMessage
from bot.settings import Settings
from integrations.slack.render import STYLE

_LOGGER = logging.getLogger(__name__)
MAX_RETRIES = 2
_SECTION_LIMIT = 3000
# Errors no retry can fix: the row is given up (and logged) at once.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "account_inactive",
    "user_disabled", "cannot_dm_bot", "invalid_blocks", "msg_too_long", "no_text",
})


def make_web_client(token: str, base_url: str, *, wait: RetryIntervalCalculator | None = None) -> WebClient:
    """A sync client that retries connection errors and 5xx, but not 429.

    A 429 must reach the dispatcher, which reschedules the row after Retry-After and
    goes on with other channels; sleeping here would hold every channel up.
    """
    wait = wait or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return WebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES, interval_calculator=wait),
            ServerErrorRetryHandler(max_retry_count=MAX_RETRIES, interval_calculator=wait),
        ],
    )


def notice_blocks(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text[:_SECTION_LIMIT]}}]


class SlackNotifier:
    """Posts a notice to a channel, or to a user id (Slack opens the DM itself)."""

    platform = "slack"

    def __init__(self, client: WebClient) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackNotifier | None:
        """The notifier when a bot token is set, else None (Slack rows then wait)."""
        if not settings.slack_bot_token:
            return None
        return cls(make_web_client(settings.slack_bot_token, settings.slack_api_url))

    def deliver(self, message: OutboundMessage) -> None:
        text = render_notice(message, STYLE)
        try:
            self.client.chat_postMessage(
                channel=message.address, text=text, blocks=notice_blocks(text),
                thread_ts=_thread(message), unfurl_links=False, unfurl_media=False,
            )
        except SlackApiError as exc:
            raise delivery_error(exc) from exc
        except (SlackClientError, OSError) as exc:  # connection refused, timeout, after retries
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


def _thread(message: OutboundMessage) -> str | None:
    """Progress on an inquiry goes into its own thread, where the asker follows it."""
    payload = message.payload or {}
    if message.kind == "inquiry_progress" and message.address == payload.get("conversation"):
        return payload.get("thread")
    return None


def delivery_error(exc: SlackApiError) -> DeliveryError:
    """A 429 carries its Retry-After; known dead ends are permanent; the rest is retried."""
    response = exc.response
    status = getattr(response, "status_code", 0)
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    error = str(data.get("error") or f"http_{status}")
    if status == 429 or error == "ratelimited":
        return DeliveryError(f"rate limited ({error})", retry_after=_retry_after(response.headers))
    if error in PERMANENT_ERRORS:
        return DeliveryError(error, permanent=True)
    return DeliveryError(f"{error} (HTTP {status})")


def _retry_after(headers: Any) -> float | None:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None
