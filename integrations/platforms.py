"""The one registration point of the chat platforms: adding a platform adds a line here."""
from __future__ import annotations

from bot import platforms
from integrations.slack import addresses as slack
from integrations.teams import addresses as teams


def register_platforms() -> None:
    platforms.register(platforms.Platform("slack", slack.is_channel, plain_channels=True, groups=True,
                                          mention=slack.MENTION, user_field="slack_id", mentions_by_id=True))
    platforms.register(platforms.Platform("teams", teams.is_channel, mention=teams.MENTION, user_field="teams_id",
                                          title="Microsoft Teams"))
