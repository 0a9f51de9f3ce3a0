"""Teams' side of the Bot Framework: activity JSON as Teams sends it, posted to /api/messages."""
from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

BOT = {"id": "28:pocbot-app-id", "name": "pocbot"}
TENANT = "72f988bf-0000-0000-0000-tenant000001"
CHANNEL = "19:payments-channel@thread.tacv2"
TEAM = "19:finance-team@thread.tacv2"
GROUP_CHAT = "19:group-chat-1@thread.v2"
_IDS = itertools.count(1_700_000_000_001)


@dataclass(frozen=True)
class User:
    id: str
    name: str
    aad: str = ""

    def account(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, **({"aadObjectId": self.aad} if self.aad else {})}

    def at(self) -> str:
        return f"<at>{self.name}</at>"

    def mention(self) -> dict[str, Any]:
        return {"type": "mention", "text": self.at(), "mentioned": {"id": self.id, "name": self.name}}


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def _base(kind: str, user: User, service_url: str, conversation: dict[str, Any],
          channel_data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": kind, "id": str(next(_IDS)), "timestamp": "2030-03-04T10:00:00.000Z", "channelId": "msteams",
        "serviceUrl": service_url, "from": user.account(), "recipient": dict(BOT), "locale": "en-US",
        "conversation": {"tenantId": TENANT, **conversation}, "channelData": {"tenant": {"id": TENANT}, **channel_data},
        "entities": [{"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"}],
    }


def personal(user: User, service_url: str, kind: str = "message") -> dict[str, Any]:
    """An activity in the user's 1:1 chat with the bot."""
    return _base(kind, user, service_url, {"conversationType": "personal", "id": f"a:1chat-{user.id}"}, {})


def in_channel(user: User, service_url: str, thread: str | None = None, kind: str = "message") -> dict[str, Any]:
    """An activity in a team's channel: a new post, or a reply in the thread of `thread`."""
    conversation = f"{CHANNEL};messageid={thread or '1700000000000'}"
    data = {"teamsChannelId": CHANNEL, "teamsTeamId": TEAM, "channel": {"id": CHANNEL}, "team": {"id": TEAM}}
    return _base(kind, user, service_url, {"isGroup": True, "conversationType": "channel", "id": conversation}, data)


def in_group_chat(user: User, service_url: str) -> dict[str, Any]:
    return _base("message", user, service_url, {"isGroup": True, "conversationType": "groupChat", "id": GROUP_CHAT}, {})


def message(base: dict[str, Any], text: str, *mentioned: User, bot_mentioned: bool = False) -> dict[str, Any]:
    """A typed message; in channels and group chats the bot only hears it when @mentioned."""
    entities = [User(BOT["id"], BOT["name"]).mention()] if bot_mentioned else []
    entities += [user.mention() for user in mentioned]
    prefix = f"<at>{BOT['name']}</at> " if bot_mentioned else ""
    return {**base, "text": prefix + text, "textFormat": "plain", "entities": entities + base["entities"]}


def submit(base: dict[str, Any], value: Any) -> dict[str, Any]:
    """An Action.Submit pressed on one of the bot's cards: a message with a value and no text."""
    return {**base, "value": value, "replyToId": "1700000000000"}


def installed(base: dict[str, Any]) -> dict[str, Any]:
    """conversationUpdate: the bot was added (a personal install, or to a team)."""
    return {**base, "type": "conversationUpdate", "membersAdded": [dict(BOT)]}


class TeamsSender:
    """Posts activities to the app's /api/messages, as the Bot Framework service does."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/api/messages"

    def post(self, activity: Any, headers: dict[str, str] | None = None, raw: bytes | None = None) -> Response:
        body = raw if raw is not None else json.dumps(activity).encode()
        sent = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        request = urllib.request.Request(self.url, body, sent, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return Response(response.status, response.read())
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read())
