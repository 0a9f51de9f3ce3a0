"""Delivers outbox rows to Slack: Block Kit through chat.postMessage, errors as DeliveryError."""
from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator

from bot.messages import Action
from bot.notices import notice_actions, render_notice
from bot.notify import Delivered, DeliveryError, OutboundMessage
from bot.settings import Settings
from integrations.slack.render import STYLE, button

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


def notice_blocks(text: str, actions: tuple[Action, ...] = ()) -> list[dict[str, Any]]:
    """The notice, then its buttons (an inquiry's Answered, I'm on it, ...)."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:_SECTION_LIMIT]}}]
    if actions:
        blocks.append({"type": "actions", "block_id": "poc_inquiry", "elements": [
            button(f"poc_{a.id}", a.label, a.value) for a in actions]})
    return blocks


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

    def deliver(self, message: OutboundMessage) -> Delivered:
        text = render_notice(message, STYLE)
        try:
            channel = self._channel(message.address)
            posted = self.client.chat_postMessage(
                channel=channel, text=text, blocks=notice_blocks(text, notice_actions(message)),
                thread_ts=_thread(message), unfurl_links=False, unfurl_media=False,
            )
            return Delivered(str(posted.get("channel") or channel), posted.get("ts"))
        except SlackApiError as exc:
            raise delivery_error(exc) from exc
        except (SlackClientError, OSError) as exc:  # connection refused, timeout, after retries
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


    def _channel(self, address: str) -> str:
        """A group address ("U1,U2": asker and POC) is opened as a group DM with the bot;
        Slack returns the same conversation for the same people every time."""
        if "," not in address:
            return address
        opened = self.client.conversations_open(users=address)
        return str(opened["channel"]["id"])


def _thread(message: OutboundMessage) -> str | None:
    """Progress on an inquiry goes into its own thread, where the asker follows it."""
    payload = message.payload or {}
    threaded = message.kind in ("inquiry_progress", "inquiry_update")
    if threaded and message.address == payload.get("conversation"):
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
