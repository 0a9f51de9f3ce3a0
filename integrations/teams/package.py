"""The Teams app package (`pocbot teams-package`): manifest.json and two icons, zipped."""
from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_VERSION = "1.16"
SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
SCOPES = ["personal", "team", "groupChat"]
# What Teams suggests as people type; each word is understood by the core's parser.
COMMANDS = [
    ("who", "Who is the POC for a topic: who payroll"),
    ("ask", "Ask a topic's POC a question: ask payroll When is payday?"),
    ("assign", "Hand a topic over: assign Payroll @person [as backup] [from <date>]"),
    ("away", "Mark yourself away: away until <date> [delegate @person]"),
    ("mine", "The topics you hold, and the questions waiting for you"),
    ("help", "How to use pocbot"),
]
ACCENT = (0x46, 0x4E, 0xB8)  # the color icon's background
WHITE, CLEAR = (255, 255, 255, 255), (0, 0, 0, 0)
Pixel = tuple[int, int, int, int]


@dataclass(frozen=True)
class AppInfo:
    app_id: str  # the bot's Microsoft app id, also used as the Teams app id
    name: str = "pocbot"
    developer: str = "pocbot"
    website: str = "https://example.com/pocbot"
    version: str = "1.0.0"


def manifest(info: AppInfo) -> dict[str, Any]:
    website = info.website.rstrip("/")
    commands = [{"title": title, "description": text} for title, text in COMMANDS]
    return {
        "$schema": SCHEMA, "manifestVersion": MANIFEST_VERSION, "version": info.version, "id": info.app_id,
        "developer": {"name": info.developer, "websiteUrl": website, "privacyUrl": f"{website}/privacy",
                      "termsOfUseUrl": f"{website}/terms"},
        "name": {"short": info.name[:30], "full": f"{info.name}: who is the point of contact"[:100]},
        "description": {
            "short": "Who is the point of contact (POC) for anything at work."[:80],
            "full": ("Ask who the point of contact is for any topic: the POC, the backups, what the topic "
                     "covers and where to go. Ask the POC a question, hand topics over, mark yourself away, "
                     "and hear about changes in a channel."),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{"botId": info.app_id, "scopes": SCOPES, "supportsFiles": False, "isNotificationOnly": False,
                  "commandLists": [{"scopes": SCOPES, "commands": commands}]}],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def build_package(info: AppInfo, path: Path) -> Path:
    """Write the zip Teams expects: the three files at its root."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(info), indent=2, ensure_ascii=False))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return path


def color_icon(size: int = 192) -> bytes:
    """A white person on the accent color, full bleed (Teams rounds the corners)."""
    return png(size, size, lambda x, y: WHITE if _person(x, y, size) else (*ACCENT, 255))


def outline_icon(size: int = 32) -> bytes:
    """The same person, white on transparent, as Teams requires of the outline icon."""
    return png(size, size, lambda x, y: WHITE if _person(x, y, size) else CLEAR)


def _person(x: int, y: int, size: int) -> bool:
    """A head and shoulders, scaled to the icon, inside the middle of it."""
    u, v = (x + 0.5) / size, (y + 0.5) / size
    head = (u - 0.5) ** 2 + (v - 0.36) ** 2 <= 0.13**2
    shoulders = v >= 0.58 and v <= 0.8 and (u - 0.5) ** 2 + (v - 0.8) ** 2 <= 0.26**2
    return head or shoulders


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG, with no imaging library: rows of filter 0, deflated."""
    rows = b"".join(b"\x00" + bytes(c for x in range(width) for c in pixel(x, y)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunks = _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
