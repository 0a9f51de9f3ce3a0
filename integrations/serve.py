"""`pocbot serve`: the HTTP server for Slack and Teams (and Socket Mode when an app token is set)."""
from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt.async_app import AsyncApp
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.jobs import worker_id
from bot.scheduler import start_scheduler, stop_scheduler
from bot.settings import Settings
from integrations import redact
from integrations.web import build_web_app
from integrations.shutdown import InFlight, hand_back
from integrations.slack.app import build_app
from integrations.slack.client import make_client
from integrations.slack.identity import SlackIdentity
from integrations.bootstrap import ConfigError, Wiring
from integrations.tasks import Background
from integrations.teams.config import teams_enabled

_LOGGER = logging.getLogger(__name__)
FINAL_FLUSH_SECONDS = 2.0  # past the shutdown bound, one short try at the question log


async def serve(wiring: Wiring, port: int) -> None:
    """Run until SIGTERM or SIGINT: HTTP on port, plus a Socket Mode connection when configured."""
    bot, settings = wiring.bot, wiring.settings
    stopping = asyncio.Event()
    _stop_on_signals(stopping)
    background = Background()
    await asyncio.to_thread(bot.warm)
    gc.freeze()  # the directory's indexes live as long as the process: keep them out of GC passes
    slack = await _slack_app(bot, settings, background) if settings.slack_enabled else None
    http_slack = slack if settings.slack_signing_secret else None
    teams = _teams_endpoint(wiring)
    runner = web.AppRunner(build_web_app(bot, background, http_slack, teams), access_log=None,
                           shutdown_timeout=settings.shutdown_seconds)
    await runner.setup()
    try:
        await web.TCPSite(runner, port=port).start()
    except OSError as exc:
        raise ConfigError(f"PORT: cannot listen on port {port} ({exc.strerror or exc}); use another (--port or PORT).") from None
    _LOGGER.warning("pocbot listening on :%d (slack over %s; teams %s); questions read by %s", port,
                    _modes(settings), _teams_mode(settings), bot.understanding_mode())
    socket = None
    if slack is not None and settings.slack_app_token:
        from integrations.slack.socket import BudgetedSocketModeHandler

        socket = BudgetedSocketModeHandler(slack, settings.slack_app_token, background)
        await socket.connect_async()
    jobs = start_jobs(wiring)
    try:
        await stopping.wait()
    finally:
        await _shut_down(Running(runner, socket, jobs, wiring.engine, bot.flush), settings.shutdown_seconds)


@dataclass(frozen=True)
class Running:
    """What `serve` started, to be stopped in order."""

    runner: web.AppRunner
    socket: Any
    jobs: Jobs
    engine: Engine
    flush: Callable[[], Any] = lambda: None  # the question log: answered events' done marks too


@dataclass(frozen=True)
class Jobs:
    """The scheduler, and what stops its deliveries: the dispatch's stop flag, and the
    deliveries in flight under this process's worker name."""

    scheduler: BackgroundScheduler
    worker: str
    stop: threading.Event
    in_flight: InFlight


def _stop_on_signals(stopping: asyncio.Event) -> None:
    """SIGTERM (a container stop) and SIGINT (Ctrl-C) both start a graceful stop."""
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stopping.is_set():
            _LOGGER.warning("already stopping; %s ignored", signal.Signals(signum).name)
            return
        _LOGGER.warning("%s: stopping (finishing the work in hand)", signal.Signals(signum).name)
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)


async def _shut_down(running: Running, bound: float) -> None:
    """Take no new work, finish or hand back what is in hand, all within `bound` seconds.

    The claimed outbox rows not being delivered are handed back at once, so a restarted
    process sends them without waiting for their lease, and never twice; the delivery in
    flight is finished. Past the bound the process exits anyway: a container stop would
    kill it a few seconds later.
    """
    started = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.gather(_stop_jobs(running), _stop_serving(running)), timeout=bound)
    except asyncio.TimeoutError:
        _LOGGER.error("could not stop within %.0f s (POCBOT_SHUTDOWN_SECONDS); exiting with work in hand: "
                      "a delivery still in flight is retried when its claim lapses (60 s)", bound)
        try:  # answered events not yet marked done would be answered again on the platform's retry
            await asyncio.wait_for(asyncio.to_thread(running.flush), timeout=FINAL_FLUSH_SECONDS)
        except Exception:
            _LOGGER.warning("could not write the last lookups and done marks", exc_info=True)
        logging.shutdown()
        os._exit(1)  # the scheduler's threads would otherwise hold the exit
    _LOGGER.warning("stopped in %.1f s", time.monotonic() - started)


async def _stop_jobs(running: Running) -> None:
    jobs = running.jobs
    jobs.stop.set()
    try:
        released = await _in_thread(hand_back, running.engine, jobs.worker, jobs.in_flight)
    except Exception as exc:  # the store is down: the claims lapse on their own
        _LOGGER.warning("could not hand back claimed messages (%s); they are retried when their claim lapses", exc)
    else:
        if released:
            _LOGGER.warning("handed back %d claimed message(s) not yet delivered", released)
    await _in_thread(stop_scheduler, jobs.scheduler)


async def _stop_serving(running: Running) -> None:
    if running.socket is not None:
        await running.socket.close_async()
    await running.runner.cleanup()  # stops listening, answers the requests in flight, drains after-work


def _in_thread(work: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
    """Run blocking work in a daemon thread (not the loop's executor, which exit would wait for)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Any] = loop.create_future()

    def run() -> None:
        try:
            result = work(*args)
        except BaseException as exc:  # handed to the awaiting coroutine
            loop.call_soon_threadsafe(_settle, done, None, exc)
        else:
            loop.call_soon_threadsafe(_settle, done, result, None)

    threading.Thread(target=run, name="pocbot-stop", daemon=True).start()
    return done


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


async def _slack_app(bot: Bot, settings: Settings, background: Background) -> AsyncApp:
    """The bolt app, once auth.test was tried: a Slack API that cannot be reached is logged
    at start (see SlackIdentity), and serving goes on: `/poc` answers need no Web API."""
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    identity = SlackIdentity(client)
    await identity.check()
    return build_app(bot, settings, background, client=client, identity=identity)


def start_jobs(wiring: Wiring) -> Jobs:
    """The wiring's job table on a scheduler: dated handovers always run; deliveries go out for the
    platforms that are configured."""
    worker, stop, in_flight = worker_id(), threading.Event(), InFlight()
    notifiers = in_flight.wrap(wiring.notifiers())
    scheduler = start_scheduler(wiring.jobs(notifiers, worker=worker, stop=stop), clock=wiring.clock)
    _LOGGER.info("scheduler started as %s for %s", worker, ", ".join(sorted(notifiers)) or "no platform")
    return Jobs(scheduler, worker, stop, in_flight)


def _teams_endpoint(wiring: Wiring):  # type: ignore[no-untyped-def]
    """POST /api/messages when Teams is on (botbuilder is imported only then)."""
    if not teams_enabled(wiring.settings):
        return None
    from integrations.teams.app import TeamsEndpoint

    return TeamsEndpoint(wiring.bot, wiring.settings, engine=wiring.engine, clock=wiring.clock).handle


def run(wiring: Wiring, port: int) -> None:
    redact.install(wiring.settings.secrets())
    asyncio.run(serve(wiring, port))


def _teams_mode(settings: Settings) -> str:
    if settings.microsoft_app_id:
        return "at /api/messages"
    if settings.teams_without_auth:
        return "at /api/messages WITHOUT authentication (POCBOT_TEAMS_WITHOUT_AUTH: local testing only)"
    return "off (no MICROSOFT_APP_ID)"


def _modes(settings: Settings) -> str:
    modes = [m for m, on in (("HTTP", settings.slack_signing_secret), ("Socket Mode", settings.slack_app_token)) if on]
    return " and ".join(modes) or "nothing (no Slack tokens set)"
