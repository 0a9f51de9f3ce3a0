"""A fake Bot Framework connector (a Teams serviceUrl) on 127.0.0.1: records what the bot posts.

Like tests/fakes/slack_api.py it is a real HTTP server, so botbuilder's own ConnectorClient
(msrest, requests, its JSON) runs unchanged against it.
"""
from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loop import LoopThread

SEND, REPLY, CREATE, MEMBER = "send", "reply", "create", "member"


@dataclass(frozen=True)
class Call:
    """One request the fake received, and the status it answered with."""

    kind: str  # send (a new activity), reply (to an activity), create (a conversation), member
    conversation: str
    activity_id: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int
    answer: Any = None  # what the fake answered, e.g. {"id": ...} for a posted activity

    @property
    def ok(self) -> bool:
        return self.status < 300

    @property
    def card(self) -> dict[str, Any]:
        """The Adaptive Card the activity carries."""
        [attachment] = self.body["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        return attachment["content"]

    @property
    def text(self) -> str:
        return "\n".join(b["text"] for b in self.card["body"] if b["type"] == "TextBlock")


@dataclass(frozen=True)
class Failure:
    status: int = 500
    code: str = "ServiceError"
    retry_after: int | None = None


@dataclass
class FakeConnector:
    """The Bot Connector REST API for one serviceUrl, with a roster of members."""

    roster: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> TeamsChannelAccount JSON
    url: str = ""
    _calls: list[Call] = field(default_factory=list)
    _failures: dict[str, deque[Failure]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _loop: LoopThread | None = None
    _runner: web.AppRunner | None = None

    def fail(self, kind: str, *failures: Failure) -> None:
        """Answer the next calls of this kind with these failures, in order, then normally."""
        with self._lock:
            self._failures[kind].extend(failures)

    def calls(self, kind: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if kind is None or c.kind == kind]

    def posted(self) -> list[Call]:
        """Activities the bot posted and the connector accepted (new ones and replies)."""
        return [c for c in self.calls() if c.kind in (SEND, REPLY) and c.ok]

    # -- the server --------------------------------------------------------
    def start(self) -> FakeConnector:
        self._loop = LoopThread("fake-teams-connector").start()
        self._loop.run(self._start())
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        try:
            if self._runner is not None:
                self._loop.run(self._runner.cleanup())
        finally:
            self._loop.stop()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._reply)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/"

    async def _send(self, request: web.Request) -> web.Response:
        return self._answer(SEND, request, await request.json(), {"id": f"{next(self._ids):013d}"})

    async def _reply(self, request: web.Request) -> web.Response:
        return self._answer(REPLY, request, await request.json(), {"id": f"{next(self._ids):013d}"})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        created = {"id": f"a:1created-{next(self._ids)}", "activityId": ""}
        return self._answer(CREATE, request, body, created)

    async def _member(self, request: web.Request) -> web.Response:
        member = self.roster.get(request.match_info["member"])
        if member is None:
            return self._answer(MEMBER, request, {}, None, missing=True)
        return self._answer(MEMBER, request, {}, member)

    def _answer(self, kind: str, request: web.Request, body: dict, payload: Any, missing: bool = False) -> web.Response:
        info = request.match_info
        with self._lock:
            queue = self._failures.get(kind)
            failure = queue.popleft() if queue else (Failure(404, "MemberNotFoundInConversation") if missing else None)
            status = failure.status if failure else (201 if kind == CREATE else 200)
            self._calls.append(Call(kind, info.get("conversation", ""), info.get("activity", info.get("member", "")),
                                    body, dict(request.headers), status, payload if failure is None else None))
        if failure is None:
            return web.json_response(payload, status=status)
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
        error = {"error": {"code": failure.code, "message": f"fake {failure.status}"}}
        return web.Response(text=json.dumps(error), status=failure.status, headers=headers,
                            content_type="application/json")
