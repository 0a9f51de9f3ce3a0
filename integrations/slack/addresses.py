"""What a Slack address looks like: the one place that knows it."""
from __future__ import annotations

import re

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")  # public (C) and private (G) channel ids


def is_channel(address: str) -> bool:
    """A channel id; channels named plainly ("payroll") are Slack's too (see integrations/platforms.py)."""
    return bool(_CHANNEL_ID.match(address))
