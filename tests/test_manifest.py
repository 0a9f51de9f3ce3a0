"""manifest.yml is an app manifest Slack's own JSON Schema accepts, and fits the code."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "slack-manifest.schema.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def test_the_manifest_is_valid_against_slacks_schema(manifest):
    if not SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema is not at {SCHEMA} (../shared is absent)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(manifest, schema)


def test_the_poc_command_escapes_mentions(manifest):
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/poc"
    assert command["should_escape"] is True


def test_every_event_the_adapter_listens_to_is_subscribed(manifest):
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.im", "app_home_opened"} <= events


def test_each_subscribed_event_has_its_scope(manifest):
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needs = {
        "app_mention": "app_mentions:read", "message.im": "im:history",
        "message.channels": "channels:history", "message.groups": "groups:history",
        "message.mpim": "mpim:history",
    }
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert needs.get(event, "commands") in scopes, event
    assert {"commands", "chat:write", "users:read", "users:read.email"} <= scopes


def test_the_home_tab_is_on(manifest):
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
