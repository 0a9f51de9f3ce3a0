"""Builds the Teams side: CloudAdapter, authentication, the handler, and POST /api/messages."""
from __future__ import annotations

import logging

from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from sqlalchemy.engine import Engine

from bot.core import Bot, utc_now
from bot.messages import Reply, ReplyKind
from bot.settings import Settings
from integrations.teams import render
from integrations.teams.auth import authentication
from integrations.teams.config import teams_config
from integrations.teams.handler import PocTeamsHandler
from integrations.inbound import InboundPipeline, pipeline_for
from integrations.teams.references import References
from integrations.teams.submits import send

_LOGGER = logging.getLogger(__name__)


class TeamsEndpoint:
    """POST /api/messages: malformed bodies get 400/415, failed authentication 401, and a
    turn that fails gets an apology in the chat, never a 500."""

    def __init__(self, bot: Bot, settings: Settings, *, engine: Engine, clock: Callable[[], datetime] = utc_now,
                 pipeline: InboundPipeline | None = None) -> None:
        config = teams_config(settings)
        self.auth = authentication(config)
        self.adapter = CloudAdapter(self.auth)
        self.adapter.on_turn_error = self._on_turn_error
        self.handler = PocTeamsHandler(pipeline or pipeline_for(bot), References(engine, clock, config.APP_ID))
        self.language = bot.language

    async def handle(self, request: web.Request) -> web.Response:
        activity = await _activity(request)
        if activity is None:
            return web.json_response({"error": "expected a Bot Framework activity as JSON"}, status=400)
        try:
            # Authenticated here rather than inside CloudAdapter.process, so that a forged or
            # garbled token is a 401 whatever the JWT library raises (PermissionError or not).
            result = await self.auth.authenticate_request(activity, request.headers.get("Authorization", ""))
        except Exception as exc:
            _LOGGER.info("refused a Teams request: %s", exc)
            return web.json_response({"error": "unauthorized"}, status=401)
        invoke = await self.adapter.process_activity(result, activity, self.handler.on_turn)
        if invoke is not None:
            return web.json_response(serializer_helper(invoke.body), status=invoke.status)
        return web.Response(status=201)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        _LOGGER.error("failed to answer a Teams %s activity", context.activity.type, exc_info=error)
        try:
            await send(context, render.reply_card(Reply(ReplyKind.error, self.language)))
        except Exception:  # the connector itself may be what failed
            _LOGGER.warning("could not tell the Teams user about the failure", exc_info=True)


async def _activity(request: web.Request) -> Activity | None:
    if "application/json" not in request.headers.get("Content-Type", ""):
        return None
    try:
        body = await request.json()
        activity = Activity().deserialize(body) if isinstance(body, dict) else None
    except Exception:  # bad JSON, or JSON msrest cannot read as an activity
        return None
    return activity if activity is not None and activity.type else None
