"""`pocbot serve`: the HTTP server for Slack and Teams (and Socket Mode when an app token is set)."""
from __future__ import annotations

import asyncio
import gc
import logging

from aiohttp import web
from apscheduler.schedulers.background import BackgroundScheduler

from bot.core import Bot
from bot.digest import check_config
from bot.notify import Notifier
from bot.scheduler import start_scheduler, stop_scheduler
from bot.settings import Settings
from integrations import redact
from integrations.server import build_web_app
from integrations.slack.app import build_app
from integrations.slack.notifier import SlackNotifier
from integrations.tasks import Background
from integrations.teams.config import teams_enabled, teams_problem

_LOGGER = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """Settings that cannot work; the message says what is missing."""


def check(settings: Settings) -> None:
    has_any = settings.slack_signing_secret or settings.slack_app_token
    if settings.slack_bot_token and not has_any:
        raise ConfigError("SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode) is.")
    if has_any and not settings.slack_bot_token:
        raise ConfigError("SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not.")
    if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token (xapp-...), with connections:write.")
    problem = teams_problem(settings)
    if problem:
        raise ConfigError(problem)
    try:
        settings.nudge_policy()
        check_config(settings.digest, settings.timezone)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


async def serve(bot: Bot, settings: Settings, port: int) -> None:
    """Run until cancelled: HTTP on port, plus a Socket Mode connection when configured."""
    background = Background()
    await asyncio.to_thread(bot.warm)
    gc.freeze()  # the directory's indexes live as long as the process: keep them out of GC passes
    slack = build_app(bot, settings, background) if settings.slack_enabled else None
    http_slack = slack if settings.slack_signing_secret else None
    teams = _teams_endpoint(bot, settings)
    runner = web.AppRunner(build_web_app(bot, background, http_slack, teams), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, port=port).start()
    _LOGGER.warning("pocbot listening on :%d (slack over %s; teams %s); questions read by %s", port,
                    _modes(settings), _teams_mode(settings), bot.understanding_mode())
    socket = None
    if slack is not None and settings.slack_app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        socket = AsyncSocketModeHandler(slack, settings.slack_app_token)
        await socket.connect_async()
    jobs = start_jobs(bot, settings)
    try:
        await asyncio.Event().wait()
    finally:
        await asyncio.to_thread(stop_scheduler, jobs)
        if socket is not None:
            await socket.close_async()
        await runner.cleanup()


def start_jobs(bot: Bot, settings: Settings) -> BackgroundScheduler:
    """Dated handovers always run; deliveries go out for the platforms that are configured."""
    return start_scheduler(engine=bot.engine, notifiers=notifiers(bot, settings), clock=bot.clock,
                           policy=bot.nudge_policy, digest=settings.digest, language=settings.language)


def notifiers(bot: Bot, settings: Settings) -> dict[str, Notifier]:
    """One notifier per configured platform (rows of the others wait in the outbox)."""
    from integrations.teams.notifier import TeamsNotifier

    found: list[Notifier | None] = [
        SlackNotifier.from_settings(settings) if settings.slack_enabled else None,
        TeamsNotifier.from_settings(settings, bot.engine),
    ]
    return {notifier.platform: notifier for notifier in found if notifier is not None}


def _teams_endpoint(bot: Bot, settings: Settings):  # type: ignore[no-untyped-def]
    """POST /api/messages when Teams is on (botbuilder is imported only then)."""
    if not teams_enabled(settings):
        return None
    from integrations.teams.app import TeamsEndpoint

    return TeamsEndpoint(bot, settings).handle


def run(bot: Bot, settings: Settings, port: int) -> None:
    redact.install(settings.secrets())
    try:
        asyncio.run(serve(bot, settings, port))
    except KeyboardInterrupt:
        pass


def _teams_mode(settings: Settings) -> str:
    if settings.microsoft_app_id:
        return "at /api/messages"
    if settings.teams_without_auth:
        return "at /api/messages WITHOUT authentication (POCBOT_TEAMS_WITHOUT_AUTH: local testing only)"
    return "off (no MICROSOFT_APP_ID)"


def _modes(settings: Settings) -> str:
    modes = [m for m, on in (("HTTP", settings.slack_signing_secret), ("Socket Mode", settings.slack_app_token)) if on]
    return " and ".join(modes) or "nothing (no Slack tokens set)"
