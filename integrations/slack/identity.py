"""Who the bot is on Slack (auth.test), for bolt: never a reason to hold up or fail a request."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

_LOGGER = logging.getLogger(__name__)
WAIT_SECONDS = 0.5  # the most a request waits for auth.test: Slack allows 3 s for the whole ack
RETRY_SECONDS = 30.0  # after a failure, auth.test is asked again no more often than this
START_SECONDS = 10.0  # the check at start


class SlackIdentity(AsyncAuthorize):
    """bolt's `authorize`: the bot token, with the bot's ids once auth.test has answered.

    bolt's own single-workspace authorization calls auth.test inside the first request and
    answers 500 when the Web API cannot be reached, or takes seconds when it answers 5xx
    (with retries). Here auth.test runs in the background: a request waits for it at most
    WAIT_SECONDS, and otherwise goes on with the token alone (`/poc` answers need no Web
    API; the listeners ignore bot messages by their bot_id).
    """

    def __init__(self, client: AsyncWebClient, wait: float = WAIT_SECONDS) -> None:
        self.client = client
        self.wait = wait
        self.found: Any = None  # the auth.test response, once it succeeded
        self._task: asyncio.Task[str | None] | None = None
        self._asked_at = 0.0

    async def __call__(self, *, context: Any = None, enterprise_id: str | None = None,  # type: ignore[override]
                       team_id: str | None = None, user_id: str | None = None, **_: Any) -> AuthorizeResult:
        if self.found is None:
            await self._wait_briefly()
        if self.found is not None:
            return AuthorizeResult.from_auth_test_response(bot_token=self.client.token, auth_test_response=self.found)
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=self.client.token)

    async def check(self, timeout: float = START_SECONDS) -> str | None:
        """Ask auth.test now (at start); returns what is wrong, None when Slack answered."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._asking()), timeout)
        except asyncio.TimeoutError:
            problem = f"SLACK_API_URL {self.client.base_url} did not answer auth.test within {timeout:.0f} s"
            _LOGGER.warning("%s: %s", problem, _CONSEQUENCE)
            return problem

    async def _wait_briefly(self) -> None:
        task = self._asking()
        if task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), self.wait)
        except asyncio.TimeoutError:
            pass

    def _asking(self) -> asyncio.Task[str | None]:
        """The auth.test in flight, or a new one unless the last failed under RETRY_SECONDS ago."""
        stale = self._task is not None and self._task.done() and time.monotonic() - self._asked_at >= RETRY_SECONDS
        if self._task is None or (stale and self.found is None):
            self._asked_at = time.monotonic()
            self._task = asyncio.get_running_loop().create_task(self._ask(), name="slack-auth-test")
        return self._task

    async def _ask(self) -> str | None:
        try:
            self.found = await self.client.auth_test()
            return None
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else exc.response.status_code
            problem = f"Slack refused SLACK_BOT_TOKEN at auth.test ({error}): check it is this app's Bot User OAuth Token"
        except Exception as exc:  # a connection failure, a timeout: reported, never raised
            problem = f"SLACK_API_URL {self.client.base_url} cannot be reached ({type(exc).__name__}: {exc})"
        _LOGGER.warning("%s: %s", problem, _CONSEQUENCE)
        return problem


_CONSEQUENCE = "/poc answers still work; messages to Slack wait in the outbox and are retried"
