"""The core knows no platform: bot/ and store/ never import adapters or UI libraries."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest", "aiohttp", "rich", "typer",
             "integrations"}
# botbuilder-python is archived upstream: keeping it in one folder keeps a move to its successor small.
BOT_FRAMEWORK = {"botbuilder", "botframework", "msrest"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["bot", "store"])
def test_the_core_imports_no_platform_library(package):
    leaks = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN)
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in leaks.items() if v} == {}


def test_store_does_not_import_the_bot():
    leaks = [p for p in (ROOT / "store").rglob("*.py") if "bot" in _imports(p)]
    assert leaks == []


def test_only_the_teams_adapter_imports_the_bot_framework():
    teams = ROOT / "integrations" / "teams"
    leaks = [
        str(path.relative_to(ROOT))
        for package in ("bot", "store", "integrations")
        for path in (ROOT / package).rglob("*.py")
        if teams not in path.parents and _imports(path) & BOT_FRAMEWORK
    ]
    assert leaks == []


def test_only_the_outbox_module_writes_outbox_rows():
    """One writer owns the queue's rows and their dedupe keys (store/outbox.py: add, add_many)."""
    writers = []
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "store").rglob("*.py"), *(ROOT / "integrations").rglob("*.py")]:
        if path == ROOT / "store" / "outbox.py" or "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"INSERT INTO outbox|insert\(OutboxMessage|\.add(?:_all)?\(\s*OutboxMessage\(", source):
            writers.append(str(path.relative_to(ROOT)))
    assert writers == []


def test_the_dispatcher_knows_no_message_kind_by_name():
    """What follows a message landing is a hook its writer registers (bot/landing.py)."""
    source = (ROOT / "bot" / "jobs.py").read_text(encoding="utf-8")
    assert not re.search(r"kind\s*==\s*[\"']", source)


def _module_imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """Modules of ours imported at module level (TYPE_CHECKING blocks too: a cycle of types is
    still a cycle of design); imports inside functions are the deliberate lazy ones."""
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    package = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                    module = ".".join(package + ([module] if module else []))
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
            elif isinstance(node, (ast.If, ast.Try)):
                visit(node.body + node.orelse + [s for h in getattr(node, "handlers", []) for s in h.body])

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m in modules and m != name}


def test_no_import_cycles():
    paths = {}
    for package in ("bot", "store", "integrations"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                parts = path.relative_to(ROOT).with_suffix("").parts
                paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {name: _module_imports(path, name, set(paths)) for name, path in paths.items()}
    cycles = []
    for start in graph:  # a cycle is a path back to where it started
        stack, seen = [(start, (start,))], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    cycles.append(trail)
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, (*trail, nxt)))
    assert cycles == []


def test_inquiry_actions_are_named_only_in_bot_inquiry_actions():
    """Commands, handlers, notices and both adapters derive the inquiry actions from one enum:
    a module that spells them again ("on_it", "inquiry_hand_off", r"^poc_inquiry_…") keeps a second list."""
    from bot.inquiry_actions import BUTTON_IDS, InquiryAction

    statuses = {"answered", "resolved"}  # also an inquiry's status, and the English command word
    names = {action.value for action in InquiryAction} - statuses
    spelled = []
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "integrations").rglob("*.py")]:
        if path == ROOT / "bot" / "inquiry_actions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                    node.value in names or node.value in BUTTON_IDS or "poc_inquiry_" in node.value):
                spelled.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert spelled == []


# Platform address formats the core once spelled out: a Teams channel's "19:" prefix, a mention
# looked up on a named platform, the chat platforms listed by name, the group DM's "U1,U2" text.
PLATFORM_LITERALS = {
    "a Teams channel prefix": re.compile(r"[\"']\^?19:"),
    "a platform named for a look-up": re.compile(r"platform=[\"'](?:slack|teams)[\"']"),
    "the chat platforms listed": re.compile(r"\(\s*[\"']slack[\"']\s*,\s*[\"']teams[\"']\s*\)"),
    "the group address format": re.compile(r"[\"'],[\"']\s+(?:not\s+)?in\s|f[\"']\{[^}]+\},\{"),
    "a platform compared by name": re.compile(r"[=!]=\s*[\"'](?:slack|teams)[\"']"),
}


def test_the_core_spells_out_no_platform_address_format():
    """Which platform owns an address is asked of the registered adapters (bot/platforms.py);
    a group address is encoded and decoded by bot.addresses.GroupAddress alone."""
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in (ROOT / "bot").rglob("*.py")
        for what, pattern in PLATFORM_LITERALS.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def _modules(path: Path) -> set[str]:
    """Full module names a file imports, and `module.name` for each name it takes from one."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_chat_adapters_leave_parsing_and_identity_to_the_inbound_pipeline(platform):
    """The core parses a message once (bot.parse via Bot.handle); who is who is learned through
    integrations/inbound.py and its one cache (integrations/identities.py), never a second copy."""
    parsing = {"bot.parse", "bot.core.COMMANDS", "bot.parse.parse", "bot.commands"}
    leaks = {}
    for path in (ROOT / "integrations" / platform).rglob("*.py"):
        found = sorted(_modules(path) & parsing)
        if "KNOWN_TTL" in path.read_text(encoding="utf-8"):
            found.append("a cache of known people")
        if found:
            leaks[str(path.relative_to(ROOT))] = found
    assert leaks == {}
