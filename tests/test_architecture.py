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


# What the bot holds for itself: adapters ask the bot (its public methods), entry points get
# the engine, clock and policy from the wiring (integrations/bootstrap.Wiring).
BOT_INSIDES = re.compile(r"\bbot\.(engine|clock|directory|questions|nudge_policy|admins)\b")


def test_integrations_reach_the_bot_through_its_public_methods_only():
    reaching = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "integrations").rglob("*.py")
        if BOT_INSIDES.search(path.read_text(encoding="utf-8"))
    )
    assert reaching == []


# Building the pieces an entry point runs on: the settings, the bot, the job table, the notifiers.
WIRING_CALLS = re.compile(r"(?<!def )\b(get_settings|job_table|run_due|from_settings|Bot)\(")


def test_only_the_wiring_module_builds_settings_bots_jobs_and_notifiers():
    """serve, tick and chat (and every adapter) take them from integrations/bootstrap.py."""
    wiring = {ROOT / "integrations" / "bootstrap.py"}
    building = sorted(
        f"{path.relative_to(ROOT)}: {match.group(1)}"
        for path in (ROOT / "integrations").rglob("*.py")
        if path not in wiring
        for match in WIRING_CALLS.finditer(path.read_text(encoding="utf-8"))
    )
    assert building == []


# bot/services/ answer requests, one module per kind (a command, a lookup, an import or export);
# bot/ holds the Bot that routes requests to them (core.py) and what services and scheduled work
# share. Imports go from services to bot/, and only the router imports a service. The three below
# predate the rule; each is named so that it can only go away.
SERVICE_IMPORTS_FOR_NOW = {
    "bot.digest": {"bot.services.stats"},  # top_unknown, the gaps ranking the digest shares with stats
    "bot.jobs": {"bot.services.asking"},  # imported for its landing hooks to register
    "bot.permissions": {"bot.services.context"},  # the Context type
}


def test_only_the_bot_router_imports_a_service():
    paths = {".".join(p.relative_to(ROOT).with_suffix("").parts): p for p in (ROOT / "bot").rglob("*.py")}
    services = {name for name in paths if name.startswith("bot.services.")}
    found = {
        name: imported
        for name, path in paths.items()
        if not name.startswith("bot.services") and name != "bot.core"
        if (imported := {m for m in _module_imports(path, name, set(paths)) if m in services}
            - SERVICE_IMPORTS_FOR_NOW.get(name, set()))
    }
    assert found == {}


# SQL lives in store/: bot/ asks store functions (keyword-only `session=`) and owns no query.
# What counts as issuing SQL, checked on each bot/ module's syntax tree:
#  - importing from sqlalchemy/sqlmodel anything but the names a signature or an `except` needs
#    (SQL_NAMES_ALLOWED): no select/insert/update/delete/text/func, no models' query helpers;
#  - calling a session or connection's SQL methods (SESSION_SQL_METHODS) on a session-like name:
#    `session`, anything annotated `Session`/`Connection`, or bound by `with read_session(...)`,
#    `with write_session(...)`, `with engine.begin()/connect()`; or an engine's own (ENGINE_SQL_METHODS);
#  - a string that starts like an SQL statement (SELECT/INSERT INTO/UPDATE/DELETE FROM/WITH, upper case).
# Not checked (no precise test exists): assigning attributes of a row a store function returned,
# which the session flushes at commit; store functions own those writes too, by convention.
SQL_NAMES_ALLOWED = {
    ("sqlmodel", "Session"), ("sqlalchemy.orm", "Session"), ("sqlalchemy.engine", "Engine"),
    ("sqlalchemy.engine", "make_url"),  # settings.py validates the configured URL's syntax; no database is reached
    ("sqlalchemy", "exc"),  # errors: telling "the store is down" from "it refused these rows" issues nothing
}
SQL_PACKAGES = ("sqlalchemy", "sqlmodel")
SESSION_SQL_METHODS = {"execute", "scalar", "scalars", "scalar_one", "exec", "get", "add", "add_all", "delete", "merge",
                       "flush", "query", "refresh", "begin_nested", "connection", "exec_driver_sql", "bulk_save_objects",
                       "bulk_insert_mappings", "bulk_update_mappings"}
ENGINE_SQL_METHODS = {"connect", "begin", "raw_connection", "execute", "exec_driver_sql"}
SESSION_OPENERS = {"read_session", "write_session", "Session", "begin", "connect"}
RAW_SQL = re.compile(r"^\s*(SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|WITH)\s")  # upper case: prose is not SQL
# Empty: every bot/ module asks store/. Nothing may be added to it.
SQL_IN_BOT_ALLOWED_FOR_NOW: set[str] = set()


def _root_name(node: ast.expr) -> str | None:
    """The name a call hangs from: `session` for session.connection().execute, `_session` for self._session.get."""
    while True:
        if isinstance(node, ast.Attribute):
            if "session" in node.attr.lower():
                return node.attr
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _sessions_and_engines(tree: ast.AST) -> tuple[set[str], set[str]]:
    sessions, engines = {"session", "conn", "connection"}, {"engine"}
    for node in ast.walk(tree):
        if isinstance(node, (ast.arg, ast.AnnAssign)) and node.annotation is not None:
            kind = ast.unparse(node.annotation)
            name = node.arg if isinstance(node, ast.arg) else ast.unparse(node.target)
            if "Session" in kind or "Connection" in kind:
                sessions.add(name)
            elif "Engine" in kind:
                engines.add(name)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                opener = item.context_expr.func if isinstance(item.context_expr, ast.Call) else None
                called = opener.attr if isinstance(opener, ast.Attribute) else getattr(opener, "id", None)
                if called in SESSION_OPENERS and isinstance(item.optional_vars, ast.Name):
                    sessions.add(item.optional_vars.id)
    return sessions, engines


def sql_issued(path: Path) -> list[str]:
    """Where this module issues SQL by the definition above, as "line: what" strings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    sessions, engines = _sessions_and_engines(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if a.name.split(".")[0] in SQL_PACKAGES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.split(".")[0] in SQL_PACKAGES:
            found += [f"{node.lineno}: from {node.module} import {a.name}" for a in node.names
                      if (node.module, a.name) not in SQL_NAMES_ALLOWED and node.module != "sqlalchemy.exc"]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, root = node.func.attr, _root_name(node.func.value)
            on_session = root is not None and (root in sessions or "session" in root.lower())
            if (on_session and method in SESSION_SQL_METHODS) or (root in engines and method in ENGINE_SQL_METHODS):
                found.append(f"{node.lineno}: {ast.unparse(node.func)}()")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"Session", "Engine"}:
            found.append(f"{node.lineno}: {node.func.id}() opened")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and RAW_SQL.match(node.value):
            found.append(f"{node.lineno}: SQL text {node.value[:30]!r}")
    return found


def test_the_bot_issues_no_sql():
    """Queries are store/ functions; a bot/ module calls them and never builds or runs SQL itself."""
    offenders = {}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name not in SQL_IN_BOT_ALLOWED_FOR_NOW and (found := sql_issued(path)):
            offenders[name] = found
    assert offenders == {}


def test_the_allowlist_of_sql_in_the_bot_holds_only_offenders():
    """An allowlisted module that no longer issues SQL leaves the list (so it cannot start again)."""
    clean = [name for name in SQL_IN_BOT_ALLOWED_FOR_NOW if (ROOT / name).exists() and not sql_issued(ROOT / name)]
    assert clean == []


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
