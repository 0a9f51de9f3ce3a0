"""One aiohttp process: /slack/events, /api/messages (Teams) and /healthz."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.core import Bot
from integrations.tasks import Background

_LOGGER = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
ACK_SECONDS = 2.5  # Slack waits 3 s for the HTTP answer
FLUSHER = web.AppKey("flusher", asyncio.Task)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def slack_route(app: AsyncApp, background: Background, budget: float = ACK_SECONDS):  # type: ignore[no-untyped-def]
    """bolt answers only when the listener returns (process_before_response), and a listener
    may call the Web API after its ack(): past `budget` Slack gets the bare ack (200) and the
    listener finishes in the background. Listeners whose ack carries content (/poc, the Ask
    form) keep their own shorter budget."""
    refused = RefusedSignatures()

    async def handle(request: web.Request) -> web.Response:
        work = asyncio.get_running_loop().create_task(app.async_dispatch(await to_bolt_request(request)))
        try:
            response = await asyncio.wait_for(asyncio.shield(work), budget)
        except asyncio.TimeoutError:
            background.keep(work, "slack-after-ack")
            _LOGGER.info("a Slack request took over %.1f s: acknowledged, finishing after the ack", budget)
            return web.Response(status=200)
        if response.status == 401:
            refused.note()
        return await to_aiohttp_response(response)

    return handle


class RefusedSignatures:
    """Says, at most once a minute, that Slack's requests fail their signature check.

    A wrong SLACK_SIGNING_SECRET otherwise shows only as Slack reporting that the app did
    not respond; one forged request now and then is logged too, which does no harm.
    """

    def __init__(self, every: float = 60.0) -> None:
        self.every = every
        self._count = 0
        self._logged_at: float | None = None

    def note(self) -> None:
        self._count += 1
        now = time.monotonic()
        if self._logged_at is not None and now - self._logged_at < self.every:
            return
        _LOGGER.warning(
            "%d request(s) to /slack/events refused (401): bad signature or older than five minutes. "
            "Check that SLACK_SIGNING_SECRET is this app's Signing Secret (Basic Information) and that "
            "this server's clock is right", self._count)
        self._count, self._logged_at = 0, now


def health_route(bot: Bot):  # type: ignore[no-untyped-def]
    async def handle(_: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(asyncio.to_thread(bot.ping), timeout=5)
        except Exception:
            _LOGGER.warning("health check: the store does not answer", exc_info=True)
            return web.json_response({"ok": False, "store": "down"}, status=503)
        return web.json_response({"ok": True})

    return handle


def build_web_app(bot: Bot, background: Background, slack: AsyncApp | None,
                  teams: Handler | None = None) -> web.Application:
    """teams is the Teams endpoint's handler (integrations.teams.app.TeamsEndpoint.handle)."""
    web_app = web.Application(client_max_size=MAX_BODY)
    web_app.router.add_get("/healthz", health_route(bot))
    if slack is not None:
        web_app.router.add_post("/slack/events", slack_route(slack, background))
    if teams is not None:
        web_app.router.add_post("/api/messages", teams)

    async def start_flushing(app: web.Application) -> None:
        app[FLUSHER] = asyncio.get_running_loop().create_task(flush_questions(bot))

    async def drain(app: web.Application) -> None:
        await background.drain()
        app[FLUSHER].cancel()
        await asyncio.to_thread(bot.flush)

    web_app.on_startup.append(start_flushing)
    web_app.on_shutdown.append(drain)
    return web_app


async def flush_questions(bot: Bot, every: float = 1.0) -> None:
    """Write the question log once a second, off the event loop; never let a failure stop it."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(bot.flush)
        except Exception:
            _LOGGER.warning("could not write the question log; will retry", exc_info=True)
