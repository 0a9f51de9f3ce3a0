"""A fake Slack Web API on 127.0.0.1: records every call and answers the way Slack does.

Like slack-bolt's tests/mock_web_api_server, it is a real HTTP server, so the real
AsyncWebClient (retries, headers, JSON/form bodies) runs unchanged against it.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.server import RecordingServer

RESPONSE_URL = "response_url"  # the method name calls to a response_url are recorded under
HOLD_SECONDS = 30.0  # longer than any test client waits for an answer


@dataclass(frozen=True)
class Call:
    """One request the fake received, and the status it answered with."""

    method: str  # "chat.postMessage", or RESPONSE_URL for a response_url POST
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Failure:
    """A canned failure for the next call of a method."""

    status: int = 500
    error: str = "internal_error"
    retry_after: int | None = None


@dataclass
class FakeSlackApi(RecordingServer[Call, Failure]):
    """Slack's Web API and response_url endpoints, on a random free loopback port."""

    thread_name = "fake-slack-api"
    url_path = "/api/"

    token: str
    team_id: str = "T0ACME"
    bot_user_id: str = "UBOT"
    bot_id: str = "B0BOT"
    emails: dict[str, str] = field(default_factory=dict)  # Slack user id -> profile.email
    _delays: dict[str, float] = field(default_factory=dict)
    _held: dict[str, threading.Event] = field(default_factory=dict)
    _holding: list[str] = field(default_factory=list)  # held calls in flight, by method
    # Channels the bot is not in: "public" or "private"; and the token's scopes that matter.
    outside: dict[str, str] = field(default_factory=dict)
    scopes: set[str] = field(default_factory=lambda: {"chat:write"})
    # What chat.postMessage stored, by conversation (a DM under its D id), oldest first.
    posted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _last_us: int = 0

    # -- what tests set (and fail, from RecordingServer) -------------------
    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of method only after a while (a slow Slack)."""
        self._delays[method] = seconds

    @contextmanager
    def holding(self, *methods: str) -> Iterator[None]:
        """Answer no call of these methods until the block ends (a Slack as slow as the test wants,
        with no race against a timer); they are answered when it ends, even on a failed assert."""
        for method in methods:
            self._held[method] = threading.Event()
        try:
            yield
        finally:
            self.release()

    def release(self) -> None:
        for gate in self._held.values():
            gate.set()

    def wait_held(self, method: str, count: int = 1, timeout: float = 5.0) -> None:
        """Wait (polling) until count calls of method are being held."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                held = self._holding.count(method)
            if held >= count:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} held {method} call(s) within {timeout}s, got {held}")
            time.sleep(0.01)

    def response_url(self, name: str = "1") -> str:
        return f"{self.base}/response/{name}"

    # -- what tests read (and calls, wait_for, from RecordingServer) -------
    @property
    def base(self) -> str:
        return self.url.removesuffix("/api/")

    # -- the server --------------------------------------------------------
    def _key(self, call: Call) -> str:
        return call.method

    def _routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name:.*}", self._response_url)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await _body(request)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return await self._answer(method, request, body, {"ok": False, "error": "invalid_auth"})
        failure = self._next_failure(method)  # a failed call has no effect
        handler = _HANDLERS.get(method)
        payload = handler(self, body) if handler and failure is None else {"ok": False, "error": "unknown_method"}
        return await self._answer(method, request, body, payload, failure)

    async def _response_url(self, request: web.Request) -> web.Response:
        return await self._answer(RESPONSE_URL, request, await _body(request), {"ok": True},
                                  self._next_failure(RESPONSE_URL))

    def _next_failure(self, key: str) -> Failure | None:
        with self._lock:
            queue = self._failures.get(key)
            return queue.popleft() if queue else None

    async def _answer(self, method: str, request: web.Request, body: dict, payload: dict,
                      failure: Failure | None = None) -> web.Response:
        delay = self._delays.get(method, 0.0)
        if delay:
            await asyncio.sleep(delay)  # a deliberately slow Slack, not a clock
        if method in self._held:
            await self._wait_release(method)
        with self._lock:  # the failure was taken when the call came in
            self._calls.append(Call(method, request.path, body, dict(request.headers),
                                    failure.status if failure else 200))
        if failure is None:
            return web.json_response(payload)
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
        return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)

    async def _wait_release(self, method: str) -> None:
        with self._lock:
            self._holding.append(method)
        deadline = time.monotonic() + HOLD_SECONDS
        try:
            while not self._held[method].is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)  # polled: no thread waits, and the loop can cancel it
        finally:
            with self._lock:
                self._holding.remove(method)

    # -- Slack's answers ---------------------------------------------------
    def _auth_test(self, _: dict) -> dict:
        return {
            "ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "pocbot",
            "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _post_message(self, body: dict) -> dict:
        """Stored at once, like Slack, even when the answer is slow to come (`delay`)."""
        refused = self._refused(str(body.get("channel", "")), posting=True)
        if refused:
            return {"ok": False, "error": refused}
        ts = self._now_ts()
        message = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id, "ts": ts,
                   "text": body.get("text", "")}
        if body.get("thread_ts"):
            message["thread_ts"] = body["thread_ts"]
        metadata = body.get("metadata")
        if metadata:
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        with self._lock:
            self.posted.setdefault(_conversation(str(body.get("channel", ""))), []).append(message)
        return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": message}

    def _refused(self, channel: str, *, posting: bool) -> str | None:
        """Slack's answer for a channel the bot is not in: a private one it cannot even see;
        a public one it may post to with chat:write.public, but never read."""
        where = self.outside.get(channel)
        if where == "private":
            return "channel_not_found"
        if where == "public" and not (posting and "chat:write.public" in self.scopes):
            return "not_in_channel"
        return None

    def _now_ts(self) -> str:
        """Slack's clock, unique per message (so `oldest` filters work as they do on Slack)."""
        with self._lock:
            self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
            return f"{self._last_us // 10**6}.{self._last_us % 10**6:06d}"

    def _history(self, body: dict) -> dict:
        """Top-level messages, newest first; metadata only with include_all_metadata."""
        return self._read(body, lambda m: m.get("thread_ts") in (None, m["ts"]))

    def _replies(self, body: dict) -> dict:
        return self._read(body, lambda m: body.get("ts") in (m["ts"], m.get("thread_ts")))

    def _read(self, body: dict, keep: Any) -> dict:
        channel = str(body.get("channel", ""))
        refused = self._refused(channel, posting=False)
        if refused:
            return {"ok": False, "error": refused}
        with self._lock:
            found = [dict(m) for m in self.posted.get(channel, []) if keep(m)
                     and float(m["ts"]) >= float(body.get("oldest") or 0)]
        if str(body.get("include_all_metadata", "")).lower() not in ("1", "true"):
            for message in found:
                message.pop("metadata", None)
        return {"ok": True, "messages": found[::-1], "has_more": False}

    def _conversations_open(self, body: dict) -> dict:
        """The same people always get the same group DM (the bot is in it)."""
        users = sorted(u for u in str(body.get("users", "")).split(",") if u)
        if not users or any(u not in self.emails and u != self.bot_user_id for u in users):
            return {"ok": False, "error": "user_not_found"}
        channel = "D" + users[0][1:] if len(users) == 1 else "G" + "".join(u[-3:] for u in users)
        return {"ok": True, "channel": {"id": channel}}

    def _update_message(self, body: dict) -> dict:
        return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts"), "text": body.get("text", "")}

    def _post_ephemeral(self, body: dict) -> dict:
        return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}

    def _views_open(self, body: dict) -> dict:
        view = body.get("view")
        view = json.loads(view) if isinstance(view, str) else view or {}
        return {"ok": True, "view": {"id": "V0MODAL", "team_id": self.team_id, **view}}

    def _views_publish(self, body: dict) -> dict:
        view = body.get("view")
        view = json.loads(view) if isinstance(view, str) else view or {}
        return {"ok": True, "view": {"id": "V0HOME", "team_id": self.team_id, **view}}

    def _users_info(self, body: dict) -> dict:
        user_id = body.get("user", "")
        email = self.emails.get(user_id)
        if email is None:
            return {"ok": False, "error": "user_not_found"}
        profile = {"email": email, "real_name": email.split("@")[0].title(), "display_name": ""}
        return {"ok": True, "user": {"id": user_id, "team_id": self.team_id, "name": profile["real_name"].lower(),
                                     "deleted": False, "is_bot": False, "profile": profile}}


_HANDLERS = {
    "auth.test": FakeSlackApi._auth_test,
    "chat.postMessage": FakeSlackApi._post_message,
    "views.publish": FakeSlackApi._views_publish,
    "views.open": FakeSlackApi._views_open,
    "conversations.open": FakeSlackApi._conversations_open,
    "conversations.history": FakeSlackApi._history,
    "conversations.replies": FakeSlackApi._replies,
    "chat.postEphemeral": FakeSlackApi._post_ephemeral,
    "chat.update": FakeSlackApi._update_message,
    "users.info": FakeSlackApi._users_info,
}


def _conversation(channel: str) -> str:
    """A post to a user id lands in the DM with them (the id conversations.open gives)."""
    return "D" + channel[1:] if channel.startswith("U") else channel


async def _body(request: web.Request) -> dict[str, Any]:
    """Query parameters plus the JSON or form body, as Slack's clients send either."""
    found: dict[str, Any] = dict(request.query)
    raw = await request.read()
    if not raw:
        return found
    if request.content_type == "application/json":
        parsed = json.loads(raw)
        found.update(parsed if isinstance(parsed, dict) else {"_json": parsed})
    else:
        found.update(parse_qsl(raw.decode(), keep_blank_values=True))
    return found
