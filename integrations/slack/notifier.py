"""Delivers outbox rows to Slack: Block Kit through chat.postMessage, errors as DeliveryError."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator

from bot.addresses import GroupAddress
from bot.messages import Action
from bot.notices import notice_actions, render_notice
from bot.delivery import Delivered, DeliveryError, OutboundMessage
from bot.settings import Settings
from integrations.slack.render import ACTION_PREFIX, STYLE, button

_LOGGER = logging.getLogger(__name__)
MAX_RETRIES = 2
TIMEOUT = 10  # seconds
# After a post whose outcome is unknown (a timeout, a dropped answer) the row waits this
# long, then looks for the post before sending again: Slack has stored it by then.
SETTLE = timedelta(seconds=60)
# How much earlier than the database's record of the first try Slack's clock may put the post.
CLOCK_SLACK = timedelta(minutes=5)
MARKER = "pocbot_outbox"  # the metadata event type each post carries, with its outbox key
_LOOKUP_PAGES = 5
# One row's calls (posts, look-ups, pauses) start within this: with the dispatcher starting rows
# for half the 60 s lease and a call lasting TIMEOUT at most, a claim never lapses mid-delivery.
ROW_BUDGET = 15.0  # seconds
_DEFAULT_WAIT = BackoffRetryIntervalCalculator(backoff_factor=0.5)
_SECTION_LIMIT = 3000
# Errors no retry can fix: the row is given up (and logged) at once.
PERMANENT_ERRORS = frozenset({
    "is_archived", "user_not_found", "account_inactive",
    "user_disabled", "cannot_dm_bot", "invalid_blocks", "msg_too_long", "no_text",
})
# To a channel: it will take the bot's posts once someone invites it, and they are told how.
NOT_MEMBER_ERRORS = frozenset({"channel_not_found", "not_in_channel"})


class Unsure(Exception):
    """The post may have landed: Slack answered 5xx, or not at all after the request went out."""


def make_web_client(token: str, base_url: str, *, wait: RetryIntervalCalculator | None = None,
                    timeout: int | float = TIMEOUT) -> WebClient:
    """A sync client that retries only requests that surely never reached Slack.

    Not 429: it must reach the dispatcher, which reschedules the row after Retry-After
    and goes on with other channels. Not 5xx nor timeouts: the post may have landed, and
    only the notifier, which can look for it first, may send it again.
    """
    wait = wait or _DEFAULT_WAIT
    return WebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=timeout,  # type: ignore[arg-type]  # urllib takes float seconds
        # urllib raises URLError only while connecting or sending; a lost answer is raw.
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES, interval_calculator=wait,
                                                    error_types=[URLError])],
    )


def notice_blocks(text: str, actions: tuple[Action, ...] = ()) -> list[dict[str, Any]]:
    """The notice, then its buttons (an inquiry's Answered, I'm on it, ...)."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:_SECTION_LIMIT]}}]
    if actions:
        blocks.append({"type": "actions", "block_id": "poc_inquiry", "elements": [
            button(ACTION_PREFIX + a.id, a.label, a.value) for a in actions]})
    return blocks


class SlackNotifier:
    """Posts a notice to a channel, or to a user id (Slack opens the DM itself)."""

    platform = "slack"

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._until = 0.0  # the current row's budget (one dispatcher delivers one row at a time)

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackNotifier | None:
        """The notifier when a bot token is set, else None (Slack rows then wait)."""
        if not settings.slack_bot_token:
            return None
        return cls(make_web_client(settings.slack_bot_token, settings.slack_api_url))

    def deliver(self, message: OutboundMessage) -> Delivered:
        """Post once: an earlier try that may have landed is looked for before posting again."""
        text = render_notice(message, STYLE)
        self._until = time.monotonic() + ROW_BUDGET
        try:
            channel = self._channel(message.address)
            if message.tries > 1:
                found = self._find(channel, message)
                if found is not None:
                    return found
            return self._post(channel, message, text)
        except SlackApiError as exc:
            raise delivery_error(exc, message.address) from exc
        except (SlackClientError, OSError) as exc:  # connection refused, after retries
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc

    def _post(self, channel: str, message: OutboundMessage, text: str) -> Delivered:
        attempt = 0
        while True:
            try:
                return self._post_once(channel, message, text)
            except Unsure as exc:
                found = self._find(channel, message)
                if found is not None:
                    return found
                answer = exc.__cause__ if isinstance(exc.__cause__, SlackApiError) else None
                if answer is None:
                    # No answer at all: Slack may still be storing it, so wait before looking again.
                    raise DeliveryError(f"{exc} (not found yet; will look again before posting)",
                                        retry_after=SETTLE.total_seconds()) from exc
                if attempt == MAX_RETRIES:
                    raise delivery_error(answer, message.address) from exc
                pause = self._pause(attempt)
                if time.monotonic() + pause > self._until:  # the next try goes to the next run, looking first
                    raise DeliveryError(f"{exc} (out of time for this run)", retry_after=pause) from exc
                time.sleep(pause)
                attempt += 1

    def _post_once(self, channel: str, message: OutboundMessage, text: str) -> Delivered:
        try:
            posted = self.client.chat_postMessage(
                channel=channel, text=text, blocks=notice_blocks(text, notice_actions(message)),
                thread_ts=_thread(message), unfurl_links=False, unfurl_media=False,
                metadata={"event_type": MARKER, "event_payload": {"key": _key(message)}},
            )
        except SlackApiError as exc:
            if getattr(exc.response, "status_code", 0) >= 500:
                raise Unsure(f"HTTP {exc.response.status_code}") from exc
            raise
        except URLError:
            raise  # never reached Slack
        except (SlackClientError, OSError) as exc:
            raise Unsure(f"{type(exc).__name__}: {exc}") from exc
        return Delivered(str(posted.get("channel") or channel), posted.get("ts"))

    def _find(self, channel: str, message: OutboundMessage) -> Delivered | None:
        """The post of this row, if an earlier try landed it (conversations.history by marker).

        A lookup that fails says nothing: the row is then posted (at least once).
        """
        thread = _thread(message)
        try:
            conversation = self._conversation(channel)
            params: dict[str, Any] = {"channel": conversation, "include_all_metadata": True, "limit": 200,
                                      "oldest": _oldest(message.first_tried_at)}
            for _ in range(_LOOKUP_PAGES):
                if time.monotonic() > self._until:  # unsure whether it landed: neither post nor give up
                    raise DeliveryError("out of time looking for an earlier try", retry_after=SETTLE.total_seconds())
                page = (self.client.conversations_replies(ts=thread, **params) if thread
                        else self.client.conversations_history(**params))
                for found in page.get("messages") or []:
                    meta = found.get("metadata") or {}
                    if meta.get("event_type") == MARKER and (meta.get("event_payload") or {}).get("key") == _key(message):
                        _LOGGER.info("outbox row %s had landed already (ts %s)", message.id, found.get("ts"))
                        return Delivered(conversation, found.get("ts"))
                params["cursor"] = (page.get("response_metadata") or {}).get("next_cursor")
                if not params["cursor"]:
                    return None
        except (SlackApiError, SlackClientError, OSError) as exc:
            _LOGGER.warning("could not look for outbox row %s in %s before posting again: %s",
                            message.id, channel, exc)
        return None

    def _conversation(self, channel: str) -> str:
        """History is read by conversation id: a user id stands for the DM with them."""
        if not channel.startswith(("U", "W")):
            return channel
        return str(self.client.conversations_open(users=channel)["channel"]["id"])

    def _pause(self, attempt: int) -> float:
        """Between 5xx retries: the same waits as the client's own retries."""
        calculators = [h.interval_calculator for h in self.client.retry_handlers]
        return (calculators[0] if calculators else _DEFAULT_WAIT).calculate_sleep_duration(attempt)

    def _channel(self, address: str) -> str:
        """A group address (asker and POC) is opened as a group DM with the bot;
        Slack returns the same conversation for the same people every time."""
        group = GroupAddress.decode(address)
        if group is None:
            return address
        opened = self.client.conversations_open(users=",".join(group.members))  # Slack's own list format
        return str(opened["channel"]["id"])


def _key(message: OutboundMessage) -> str:
    return message.dedupe_key or f"row:{message.id}"


def _oldest(first_try: datetime | None) -> str:
    """Slack's `oldest`: a little before the first try (the database's clock, not Slack's)."""
    if first_try is None:
        return "0"
    first_try = first_try if first_try.tzinfo else first_try.replace(tzinfo=timezone.utc)
    return f"{(first_try - CLOCK_SLACK).timestamp():.6f}"


def _thread(message: OutboundMessage) -> str | None:
    """Progress on an inquiry goes into its own thread, where the asker follows it."""
    payload = message.payload or {}
    threaded = message.kind in ("inquiry_progress", "inquiry_update")
    if threaded and message.address == payload.get("conversation"):
        return payload.get("thread")
    return None


def delivery_error(exc: SlackApiError, address: str = "") -> DeliveryError:
    """A 429 carries its Retry-After; known dead ends are permanent; the rest is retried."""
    response = exc.response
    status = getattr(response, "status_code", 0)
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    error = str(data.get("error") or f"http_{status}")
    if status == 429 or error == "ratelimited":
        return DeliveryError(f"rate limited ({error})", retry_after=_retry_after(response.headers))
    if error in NOT_MEMBER_ERRORS:
        # With chat:write.public the bot posts to any public channel: what is left is a
        # private channel it was not invited to (or one that is gone).
        return DeliveryError(error, permanent=True, not_member=address.startswith(("C", "G")))
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
