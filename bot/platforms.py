"""The chat platforms this process serves. Each adapter registers itself once (integrations/platforms.py,
called from the bootstrap), so the core can ask which platform owns a channel address, or whether a
platform is a chat one, without knowing any platform's address format."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# With no adapter registered (the console, bare core tests) a channel belongs to nobody in particular.
UNCLAIMED = "console"


@dataclass(frozen=True)
class Platform:
    name: str
    owns_channel: Callable[[str], bool]  # does this channel address belong to this platform?
    plain_channels: bool = False  # channels named plainly ("payroll") are this platform's
    groups: bool = False  # its notifier opens a conversation for a bot.addresses.GroupAddress


_REGISTERED: dict[str, Platform] = {}


def register(platform: Platform) -> None:
    """Registering a platform again replaces it (the bootstrap may run more than once)."""
    _REGISTERED[platform.name] = platform


def chat_platforms() -> tuple[str, ...]:
    """The platforms a person may be reached on besides the console."""
    return tuple(_REGISTERED)


def opens_groups(name: str) -> bool:
    platform = _REGISTERED.get(name)
    return platform is not None and platform.groups


def channel_platform(channel: str) -> str:
    """The platform whose address this is: one that recognises it, else the one whose
    channels are named plainly, else nobody's."""
    for platform in _REGISTERED.values():
        if platform.owns_channel(channel):
            return platform.name
    plain = [p.name for p in _REGISTERED.values() if p.plain_channels]
    return plain[0] if plain else UNCLAIMED
