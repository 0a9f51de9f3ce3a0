"""Socket Mode with the HTTP route's acknowledgement budget."""
from __future__ import annotations

import asyncio
import time
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from integrations.web import ACK_SECONDS
from integrations.tasks import Background


class BudgetedSocketModeHandler(AsyncSocketModeHandler):
    """bolt acknowledges an envelope only when its listener returns: here within a budget."""

    def __init__(self, app: AsyncApp, app_token: str, background: Background, budget: float = ACK_SECONDS) -> None:
        super().__init__(app, app_token)
        self.background, self.budget = background, budget

    async def handle(self, client: Any, req: SocketModeRequest) -> None:  # type: ignore[override]
        await answer_envelope(self.app, client, req, self.background, self.budget)


async def answer_envelope(app: AsyncApp, client: Any, req: SocketModeRequest, background: Background,
                          budget: float = ACK_SECONDS) -> None:
    """Past `budget` Slack gets the bare acknowledgement and the listener finishes in the
    background, as over HTTP (integrations.web.slack_route)."""
    started = time.time()
    work = asyncio.get_running_loop().create_task(run_async_bolt_app(app, req))
    try:
        response = await asyncio.wait_for(asyncio.shield(work), budget)
    except asyncio.TimeoutError:
        background.keep(work, "slack-after-ack")
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
        return
    await send_async_response(client, req, response, started)
