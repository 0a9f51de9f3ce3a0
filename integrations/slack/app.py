"""Builds the slack-bolt AsyncApp; it holds the core, it does not extend it."""
from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Bot
from bot.settings import Settings
from integrations.slack.client import make_client
from integrations.slack.identity import SlackIdentity
from integrations.inbound import InboundPipeline, pipeline_for
from integrations.slack.listeners import SlackListeners
from integrations.slack.users import SlackLinker
from integrations.tasks import Background


def build_app(
    bot: Bot, settings: Settings, background: Background, client: AsyncWebClient | None = None,
    identity: SlackIdentity | None = None, pipeline: InboundPipeline | None = None,
) -> AsyncApp:
    """An app that acks inside the request (process_before_response) and works after it."""
    client = client or make_client(settings.slack_bot_token, settings.slack_api_url)
    app = AsyncApp(
        # bolt's client carries no token: each request's client gets it from `authorize`,
        # which never lets auth.test hold up (or fail) a request.
        client=make_client(None, str(client.base_url)),
        authorize=identity or SlackIdentity(client),
        signing_secret=settings.slack_signing_secret or None,
        # Answering within the request is what makes /poc fast; slow work is spawned.
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
        # Socket Mode has no signatures to check; HTTP always has a secret (see serve).
        request_verification_enabled=bool(settings.slack_signing_secret),
    )
    pipeline = pipeline or pipeline_for(bot)
    SlackListeners(pipeline, SlackLinker(bot, client), background).register(app)
    return app
