"""`pocbot teams-package` builds an app package Teams accepts: manifest, icons, command list."""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from bot.parse import parse

APP_ID = "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab"
COMMANDS = ["who", "ask", "assign", "away", "mine", "help"]


def pocbot(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{cwd}/pocbot.db", "COLUMNS": "200", **env}
    return subprocess.run([sys.executable, "-m", "integrations.cli", *args], capture_output=True, text=True,
                          env=environment, cwd=cwd, timeout=60)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    folder = tmp_path_factory.mktemp("package")
    result = pocbot("teams-package", "--out", "teams.zip", "--developer", "Acme", "--website",
                    "https://acme.test/pocbot", cwd=folder, env={"MICROSOFT_APP_ID": APP_ID})
    assert result.returncode == 0, result.stderr
    return zipfile.ZipFile(folder / "teams.zip")


@pytest.fixture(scope="module")
def manifest(package: zipfile.ZipFile) -> dict:
    return json.loads(package.read("manifest.json"))


def png(data: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """Width, height and RGBA pixels of an 8-bit RGBA PNG whose rows use filter 0 (ours do)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    assert (depth, color) == (8, 6)  # 8 bits per channel, RGBA
    chunks, offset = b"", 8
    while offset < len(data):
        (length,), kind = struct.unpack(">I", data[offset:offset + 4]), data[offset + 4:offset + 8]
        if kind == b"IDAT":
            chunks += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw, stride, pixels = zlib.decompress(chunks), 1 + 4 * width, []
    for y in range(height):
        row = raw[y * stride:(y + 1) * stride]
        assert row[0] == 0
        pixels += [tuple(row[1 + 4 * x:5 + 4 * x]) for x in range(width)]
    return width, height, pixels


def test_the_package_holds_the_manifest_and_both_icons_at_its_root(package: zipfile.ZipFile) -> None:
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_the_manifest_names_the_bot_and_its_scopes(manifest: dict) -> None:
    assert manifest["manifestVersion"] == "1.16" and "v1.16" in manifest["$schema"]
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["developer"]["name"] == "Acme"
    assert all(manifest["developer"][k].startswith("https://acme.test/pocbot")
               for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl"))
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80


def test_the_command_list_offers_what_the_bot_understands(manifest: dict) -> None:
    [commands] = manifest["bots"][0]["commandLists"]
    assert [c["title"] for c in commands["commands"]] == COMMANDS
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands["commands"])
    examples = {"who": "who payroll", "ask": "ask Payroll when?", "assign": "assign Payroll @quinn",
                "away": "away until 2031-01-01", "mine": "mine", "help": "help"}
    assert {word: parse(text).name for word, text in examples.items()} == {w: w for w in COMMANDS}


def test_the_color_icon_is_192_square_and_opaque(package: zipfile.ZipFile) -> None:
    width, height, pixels = png(package.read("color.png"))
    assert (width, height) == (192, 192)
    assert all(alpha == 255 for *_, alpha in pixels)


def test_the_outline_icon_is_32_square_white_on_transparent(package: zipfile.ZipFile) -> None:
    width, height, pixels = png(package.read("outline.png"))
    assert (width, height) == (32, 32)
    assert {p for p in pixels if p[3]} == {(255, 255, 255, 255)}
    assert {p for p in pixels if not p[3]} == {(0, 0, 0, 0)}


def test_without_an_app_id_no_package_is_built(tmp_path: Path) -> None:
    result = pocbot("teams-package", cwd=tmp_path, env={"MICROSOFT_APP_ID": ""})

    assert result.returncode == 2
    assert "MICROSOFT_APP_ID" in result.stderr
    assert not (tmp_path / "pocbot-teams.zip").exists()


def test_serve_refuses_half_set_credentials_before_it_starts(tmp_path: Path) -> None:
    result = pocbot("serve", cwd=tmp_path, env={"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": ""})

    assert result.returncode == 2
    assert "MICROSOFT_APP_PASSWORD" in result.stderr
