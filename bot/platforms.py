"""The chat platforms this process serves. Each adapter registers itself once (integrations/platforms.py,
called from the bootstrap), so the core can ask which platform owns a channel address, or whether a
platform is a chat one, without knowing any platform's address format."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from bot.messages import PersonView

# With no adapter registered (the console, bare core tests) a channel belongs to nobody in particular.
UNCLAIMED = "console"


@dataclass(frozen=True)
class Platform:
    name: str
    owns_channel: Callable[[str], bool]  # does this channel address belong to this platform?
    plain_channels: bool = False  # channels named plainly ("payroll") are this platform's
    groups: bool = False  # its notifier opens a conversation for a bot.addresses.GroupAddress
    # How a mention of a person is written in a message: a regular expression with a group
    # `id` (the user's id, when the mention shows it) and, optionally, `name`. Commands find
    # people with it (bot.commands.PERSON); None: the platform's messages name people otherwise.
    mention: str | None = None
    # The directory's field for the user's id on this platform (Person and PersonView: "slack_id").
    user_field: str | None = None
    # A user outside the directory can be mentioned by their id alone (a Teams mention needs a name).
    mentions_by_id: bool = False
    title: str = ""  # what people call it ("Microsoft Teams"); its name, capitalised, when empty


_REGISTERED: dict[str, Platform] = {}


def register(platform: Platform) -> None:
    """Registering a platform again replaces it (the bootstrap may run more than once)."""
    _REGISTERED[platform.name] = platform


def title(name: str) -> str:
    platform = _REGISTERED.get(name)
    return (platform.title if platform else "") or name.capitalize()


def user_field(name: str) -> str | None:
    platform = _REGISTERED.get(name)
    return platform.user_field if platform else None


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


def mention_syntaxes() -> tuple[tuple[str, str], ...]:
    """(platform, mention pattern) of each registered platform whose messages mention people."""
    return tuple((p.name, p.mention) for p in _REGISTERED.values() if p.mention)


def user_fields() -> tuple[tuple[str, str], ...]:
    """(platform, the directory's field for its user ids), in the order platforms registered."""
    return tuple((p.name, p.user_field) for p in _REGISTERED.values() if p.user_field)


def stranger_view(platform: str | None, user_id: str | None) -> PersonView | None:
    """Someone outside the directory, as a mention by id where their platform allows one."""
    found = _REGISTERED.get(platform or "")
    if found is None or not found.mentions_by_id or not found.user_field or not user_id:
        return None
    if found.user_field not in {f.name for f in fields(PersonView)}:
        return None
    return PersonView(0, user_id, "", **{found.user_field: user_id})
