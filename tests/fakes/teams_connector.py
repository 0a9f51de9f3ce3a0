"""A fake Bot Framework connector (a Teams serviceUrl) on 127.0.0.1: records what the bot posts.

Like tests/fakes/slack_api.py it is a real HTTP server, so botbuilder's own ConnectorClient
(msrest, requests, its JSON) runs unchanged against it.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import RecordingServer

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
class FakeConnector(RecordingServer[Call, Failure]):
    """The Bot Connector REST API for one serviceUrl, with a roster of members."""

    thread_name = "fake-teams-connector"

    roster: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> TeamsChannelAccount JSON
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    # fail, calls and wait_for (by kind) come from RecordingServer
    def posted(self) -> list[Call]:
        """Activities the bot posted and the connector accepted (new ones and replies)."""
        return [c for c in self.calls() if c.kind in (SEND, REPLY) and c.ok]

    # -- the server --------------------------------------------------------
    def _key(self, call: Call) -> str:
        return call.kind

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._reply)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)

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
        ok_status = 201 if kind == CREATE else 200
        failure = self._record(kind, lambda failure: Call(
            kind, info.get("conversation", ""), info.get("activity", info.get("member", "")), body,
            dict(request.headers), failure.status if failure else ok_status, payload if failure is None else None),
            otherwise=Failure(404, "MemberNotFoundInConversation") if missing else None)
        if failure is None:
            return web.json_response(payload, status=ok_status)
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
        error = {"error": {"code": failure.code, "message": f"fake {failure.status}"}}
        return web.Response(text=json.dumps(error), status=failure.status, headers=headers,
                            content_type="application/json")
