"""What a Slack address and a Slack mention look like: the one place that knows them."""
from __future__ import annotations

import re

from integrations.inbound import Mentioned

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")  # public (C) and private (G) channel ids
# How Slack writes a mention in message text (`<@U0QUINN>`, `<@U0QUINN|quinn>` in /poc text).
MENTION = r"<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>"
_MENTION = re.compile(MENTION)


def is_channel(address: str) -> bool:
    """A channel id; channels named plainly ("payroll") are Slack's too (see integrations/platforms.py)."""
    return bool(_CHANNEL_ID.match(address))


def mentioned(text: str) -> tuple[Mentioned, ...]:
    """The users a message mentions. The core reads `<@U…>` itself (bot.commands.PERSON),
    so nothing is rewritten: the pipeline only links them on first sight."""
    return tuple(Mentioned(user_id) for user_id in dict.fromkeys(m["id"] for m in _MENTION.finditer(text)))
