"""The `pocbot` command: chat, who, import, export, serve, tick, teams-package, migrate."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import OperationalError

from bot.messages import Actor, Reply, ReplyKind
from bot.render import render_text
from integrations import bootstrap
from integrations.console.chat import STYLE, run_chat, to_rich
from store import migrate as store_migrate

# Locals in a traceback can hold tokens and secrets: never print them.
app = typer.Typer(add_completion=False, no_args_is_help=False, help=__doc__, pretty_exceptions_show_locals=False)
# Piped output is for scripts and logs: lines are not wrapped at 80 columns there.
console = Console(soft_wrap=not sys.stdout.isatty())
errors = Console(stderr=True, soft_wrap=not sys.stderr.isatty())


def _refuse(problem: str) -> typer.Exit:
    """A configuration error: what is wrong on stderr, exit code 2, no traceback."""
    errors.print(f"[red]{escape(problem)}[/]", highlight=False)
    return typer.Exit(2)


def _engine():  # type: ignore[no-untyped-def]
    try:
        return bootstrap.open_store()
    except bootstrap.StoreNotReady as exc:
        raise _refuse(str(exc)) from None


def _wire(*, serving: bool = False) -> bootstrap.Wiring:
    """The store opened and everything built on it, from the settings the callback checked."""
    try:
        return bootstrap.wire(serving=serving)
    except bootstrap.ConfigError as exc:
        raise _refuse(str(exc)) from None


@app.callback(invoke_without_command=True)
def _main(ctx: typer.Context) -> None:
    try:  # every setting is checked here, once, for every command: named, not met as a traceback later
        settings = bootstrap.checked_settings()
    except bootstrap.ConfigError as exc:
        raise _refuse(str(exc)) from None
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    if ctx.invoked_subcommand is None:
        ctx.invoke(chat)


@app.command()
def chat(
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo organisation first.")] = False,
    as_email: Annotated[str, typer.Option("--as", help="Chat as this person (email).")] = "",
) -> None:
    """Chat with the bot in the terminal (loads the demo organisation into an empty store)."""
    wiring = _wire()
    engine = wiring.engine
    demo = demo or bootstrap.store_is_empty(engine)
    if demo:
        from integrations.files.importing import import_file

        import_file(engine, bootstrap.DEMO_FILE, actor="demo", quiet=True)
        console.print("[dim]Demo organisation loaded: try `who is the POC for travel?`[/]")
    email = as_email or (bootstrap.DEMO_ADMIN if demo else "")
    console.print(f"[dim]{escape(_who_you_are(engine, email, picked=not as_email))}[/]")
    actor = Actor(platform="console", user_id=email or "console", email=email or None)
    mode = wiring.bot.understanding_mode()
    if "only" in mode:
        console.print(f"[dim]Questions are read by {escape(mode)}.[/]")
    run_chat(wiring.bot, actor, console, deliver=wiring.chat_delivery(console))


def _who_you_are(engine, email: str, picked: bool) -> str:  # type: ignore[no-untyped-def]
    """The opening line that says whom the chat acts as, and how to act as someone else."""
    name = bootstrap.person_name(engine, email) if email else None
    if name and picked:
        return f"You are {name} ({email}), the demo organisation's admin; `--as EMAIL` to be someone else."
    if name:
        return f"You are {name} ({email})."
    outside = (f"{email} is not in the directory" if email else "You are not in the directory")
    return (f"{outside}: lookups work, but to change the directory, ask a POC or see `mine`, "
            "run `pocbot chat --as EMAIL` with a directory person's email.")


@app.command()
def who(
    question: Annotated[str, typer.Argument(help="A topic, or a whole question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    at: Annotated[Optional[datetime], typer.Option(help="Answer as of this date (ISO 8601).")] = None,
) -> None:
    """Answer one question on stdout; exits 1 when nobody could be named."""
    bot = _wire().bot
    when = at.replace(tzinfo=at.tzinfo or timezone.utc) if at else None
    reply = bot.lookup(question, at=when)
    if as_json:
        sys.stdout.write(json.dumps(reply_json(reply), ensure_ascii=False) + "\n")
    else:
        console.print(to_rich(render_text(reply, STYLE)))
    if reply.kind is not ReplyKind.answer or reply.answer is None or reply.answer.primary is None:
        raise typer.Exit(1)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML or CSV file.")],
    people: Annotated[Optional[Path], typer.Option(exists=True, help="People CSV for a topics CSV.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the changes, write nothing.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Announce no POC changes.")] = False,
) -> None:
    """Load or update the directory from a file: all of it, or none of it."""
    from integrations.files.importing import run_import_command

    raise typer.Exit(run_import_command(_engine(), path, people, dry_run, console, errors, quiet))


@app.command()
def export(
    path: Annotated[Path, typer.Argument(help="Where to write: .yaml, .yml or .csv.")],
) -> None:
    """Write the directory to a file in the import format (a round trip)."""
    from integrations.files.importing import export_file

    export_file(_engine(), path)
    console.print(f"Wrote {path}")


@app.command()
def serve(
    port: Annotated[Optional[int], typer.Option(help="HTTP port (default $PORT, else 3000).")] = None,
) -> None:
    """Serve Slack (HTTP at /slack/events, or Socket Mode), Teams (/api/messages) and /healthz."""
    from integrations.serve import run

    wiring = _wire(serving=True)
    if bootstrap.store_is_empty(wiring.engine):
        errors.print("[yellow]The directory is empty: load it with `pocbot import FILE`.[/]")
    try:
        run(wiring, port or wiring.settings.port)
    except bootstrap.ConfigError as exc:
        raise _refuse(str(exc)) from None


@app.command()
def tick(
    at: Annotated[Optional[str], typer.Option(help="Run as of this time (ISO 8601), not now.")] = None,
) -> None:
    """Run every due job once: dated handovers, then deliveries (for cron, and tests)."""
    from bot.jobs import run_once, worker_id

    try:
        now = datetime.fromisoformat(at) if at else datetime.now(timezone.utc)
    except ValueError:
        raise _refuse(f"--at must be an ISO 8601 date or time, not {at!r}.") from None
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    wiring = _wire()
    done = run_once(wiring.jobs(wiring.notifiers(console=console), worker=worker_id(), deliver_all=True), now)
    sent = done.dispatch
    console.print(f"Handovers announced: {done.handovers}. Messages sent: {sent.sent}, "
                  f"to retry: {sent.retrying}, given up: {sent.failed}.")


@app.command("teams-package")
def teams_package(
    out: Annotated[Path, typer.Option(help="Where to write the zip.")] = Path("pocbot-teams.zip"),
    name: Annotated[str, typer.Option(help="The app's name in Teams.")] = "pocbot",
    developer: Annotated[str, typer.Option(help="Who publishes it (your company).")] = "pocbot",
    website: Annotated[str, typer.Option(help="https URL; /privacy and /terms are added for those links.")]
    = "https://example.com/pocbot",
    app_version: Annotated[str, typer.Option("--app-version", help="Bump it for each upload.")] = "1.0.0",
) -> None:
    """Build the Teams app package (manifest.json, color.png, outline.png) to upload to Teams."""
    from integrations.teams.package import AppInfo, build_package

    app_id = bootstrap.checked_settings().microsoft_app_id.strip()
    if not app_id:
        errors.print("[red]Set MICROSOFT_APP_ID (the bot's Microsoft app id) first.[/]")
        raise typer.Exit(2)
    if not website.startswith("https://"):
        errors.print("[red]--website must be an https:// URL (Teams requires it).[/]")
        raise typer.Exit(2)
    build_package(AppInfo(app_id, name, developer, website, app_version), out)
    console.print(f"Wrote {out}: upload it in Teams (Apps → Manage your apps → Upload an app).")


@app.command("eval")
def eval_(
    questions: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Question file (YAML).")],
    org: Annotated[Optional[Path], typer.Option(exists=True, dir_okay=False,
                                                help="Load this directory into a scratch store.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Score a question file: accuracy per kind, none questions that named someone, misses, latency."""
    from bot.services.directory_file import DirectoryFileError
    from integrations.evaluation import QuestionFileError, load_questions, run_eval, score_json, score_lines, scratch_store

    try:
        asked = load_questions(questions)
    except QuestionFileError as exc:
        errors.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from None
    if org is not None:
        try:
            with scratch_store(org) as engine:
                score = run_eval(bootstrap.make_bot(engine), asked)
        except DirectoryFileError as exc:
            errors.print(f"[red]{escape(str(org))} has {len(exc.errors)} problem{'' if len(exc.errors) == 1 else 's'}:[/]")
            for line in exc.errors:
                errors.print(f"  • {line}", markup=False, highlight=False)
            raise typer.Exit(2) from None
    else:
        score = run_eval(_wire().bot, asked)
    if as_json:
        sys.stdout.write(json.dumps(score_json(score), ensure_ascii=False, indent=2) + "\n")
    else:
        for line in score_lines(score):
            console.print(line, markup=False, highlight=False)


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the latest version."""
    engine = bootstrap.make_engine_only()
    try:
        store_migrate.upgrade(engine)
    except OperationalError as exc:
        raise _refuse(bootstrap.unreachable(engine, exc)) from None
    console.print(f"Database is at revision {store_migrate.current_revision(engine)}.")


def reply_json(reply: Reply) -> dict:
    data: dict = {"kind": reply.kind.value, "query": reply.query, "text": render_text(reply)}
    if reply.answer:
        a = reply.answer
        person = lambda p: p and {"name": p.name, "email": p.email, "slack_id": p.slack_id}  # noqa: E731
        data.update(
            topic=a.topic, description=a.description, channel=a.channel, poc=person(a.primary),
            backups=[person(b) for b in a.backups], matched=a.matched, inherited_from=a.inherited_from,
            why={"kind": a.why.kind, "words": a.why.words} if a.why else None,
        )
    data["suggestions"] = list(reply.suggestions)
    data["choices"] = [{"topic": c.topic, "description": c.description} for c in reply.choices]
    return data


def main() -> None:
    app()


if __name__ == "__main__":
    main()
