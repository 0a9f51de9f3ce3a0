"""Slack's side of the Events API: real payload shapes, signed as Slack signs them."""
from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

TEAM = {"id": "T0ACME", "domain": "acme"}
APP_ID = "A0POCBOT"
_SEQUENCE = itertools.count(1)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float  # how long the app took to answer

    def json(self) -> Any:
        return json.loads(self.body)


def next_ts() -> str:
    return f"1710000000.{next(_SEQUENCE):06d}"


class SlackSender:
    """Sends signed requests to the app's /slack/events, the way Slack's servers do."""

    def __init__(self, base_url: str, signing_secret: str, response_url: str) -> None:
        self.base_url = base_url
        self.verifier = SignatureVerifier(signing_secret)
        self.response_url = response_url

    # -- the transport -------------------------------------------------------
    def post(self, body: bytes, content_type: str, *, timestamp: int | None = None,
             signature: str | None = None, headers: dict[str, str] | None = None) -> Response:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signed = signature or self.verifier.generate_signature(timestamp=stamp, body=body)
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signed, **(headers or {})}
        return self._send(urllib.request.Request(f"{self.base_url}/slack/events", body, sent, method="POST"))

    def get(self, path: str) -> Response:
        return self._send(urllib.request.Request(f"{self.base_url}{path}", method="GET"))

    def post_form(self, fields: dict[str, str], **kwargs: Any) -> Response:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs)

    def post_json(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        return self.post(json.dumps(payload).encode(), "application/json", **kwargs)

    # -- what Slack sends ----------------------------------------------------
    def command(self, text: str, *, user: str = "U0QUINN", channel: str = "C0GENERAL", **kwargs: Any) -> Response:
        return self.post_form(slash_command(text, user=user, channel=channel, response_url=self.response_url), **kwargs)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int = 0) -> Response:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return self.post_json(event_callback(event, event_id=event_id), headers=headers)

    def action(self, action_id: str, value: str, *, label: str = "", user: str = "U0QUINN",
               channel: str = "C0GENERAL", message: dict[str, Any] | None = None) -> Response:
        payload = block_actions(action_id, value, label=label, user=user, channel=channel,
                                response_url=self.response_url, message=message)
        return self.post_form({"payload": json.dumps(payload)})

    def view_submission(self, callback_id: str, *, user: str, private_metadata: str,
                        values: dict[str, dict[str, Any]]) -> Response:
        payload = view_submission(callback_id, user=user, private_metadata=private_metadata, values=values)
        return self.post_form({"payload": json.dumps(payload)})

    def _send(self, request: urllib.request.Request) -> Response:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, headers, body = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as exc:
            status, headers, body = exc.code, dict(exc.headers), exc.read()
        return Response(status, headers, body, time.perf_counter() - started)


def slash_command(text: str, *, user: str, channel: str, response_url: str) -> dict[str, str]:
    return {
        "token": "legacy-verification-token", "team_id": TEAM["id"], "team_domain": TEAM["domain"],
        "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": user.lower(),
        "command": "/poc", "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": f"1337.{next(_SEQUENCE)}.abcdef",
    }


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token", "team_id": TEAM["id"], "api_app_id": APP_ID,
        "event": event, "type": "event_callback",
        "event_id": event_id or f"Ev{next(_SEQUENCE):08d}", "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM["id"], "user_id": "UBOT",
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }


def app_mention(text: str, *, user: str, channel: str = "C0GENERAL", ts: str | None = None,
                thread_ts: str | None = None) -> dict[str, Any]:
    ts = ts or next_ts()
    event = {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel,
             "event_ts": ts, "team": TEAM["id"]}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(text: str, *, user: str, channel: str = "D0QUINN", channel_type: str = "im",
            **extra: Any) -> dict[str, Any]:
    ts = next_ts()
    return {"type": "message", "user": user, "text": text, "ts": ts, "channel": channel,
            "event_ts": ts, "channel_type": channel_type, "team": TEAM["id"], **extra}


def app_home_opened(user: str) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
            "event_ts": next_ts()}


def block_actions(action_id: str, value: str, *, label: str, user: str, channel: str,
                  response_url: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
    """A click on a button; on an ephemeral reply unless `message` (a posted one) is given."""
    ts = message["ts"] if message else next_ts()
    extra = {"message": message} if message else {}
    return {**extra,
        "type": "block_actions", "api_app_id": APP_ID, "token": "legacy-verification-token",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]},
        "team": TEAM, "channel": {"id": channel, "name": "general"},
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": message is None},
        "trigger_id": f"1337.{next(_SEQUENCE)}.abcdef", "response_url": response_url,
        "actions": [{
            "action_id": action_id, "block_id": "poc_actions", "value": value, "type": "button",
            "text": {"type": "plain_text", "text": label or value, "emoji": True}, "action_ts": ts,
        }],
    }


def view_submission(callback_id: str, *, user: str, private_metadata: str,
                    values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A modal's submit: values are {block_id: {action_id: {"type": ..., "value": ...}}}."""
    return {
        "type": "view_submission", "team": TEAM, "api_app_id": APP_ID, "token": "legacy-verification-token",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]},
        "trigger_id": f"1337.{next(_SEQUENCE)}.abcdef",
        "view": {
            "id": "V0MODAL", "team_id": TEAM["id"], "type": "modal", "callback_id": callback_id,
            "private_metadata": private_metadata, "hash": "1700000000.abcdef", "app_id": APP_ID,
            "state": {"values": values}, "blocks": [],
        },
        "response_urls": [], "is_enterprise_install": False,
    }


def url_verification(challenge: str) -> dict[str, str]:
    return {"token": "legacy-verification-token", "challenge": challenge, "type": "url_verification"}
