"""The file side of `pocbot import` / `export`: read, plan or apply, report with rich."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from sqlalchemy.engine import Engine

from bot.services.directory_export import export_directory
from bot.services.directory_file import DirectoryFileError
from bot.services.directory_import import ImportPlan, apply_import, plan_import
from integrations.bootstrap import checked_settings
from integrations.files.formats import dump_directory_file, load_directory_file
from store.db import read_session

MAX_LISTED_CHANGES = 200


def import_file(engine: Engine, path: Path, *, actor: str, people: Path | None = None,
                progress: Progress | None = None, quiet: bool = False) -> ImportPlan:
    """Load the file and apply it in one transaction; DirectoryFileError lists every problem."""
    data = load_directory_file(path, people)
    task = progress.add_task("Importing", total=None) if progress else None

    def advance(done: int, total: int) -> None:
        if progress is not None and task is not None:
            progress.update(task, completed=done, total=total)

    settings = checked_settings()
    plan = apply_import(engine, data, actor=actor, now=datetime.now(timezone.utc), progress=advance, quiet=quiet,
                        policy=settings.nudge_policy(), lang=settings.language)
    if settings.semantic:
        encode_directory(engine, progress)
    return plan


def encode_directory(engine: Engine, progress: Progress | None = None) -> int:
    """Encode and store the topic vectors the directory lacks, so no process encodes them again."""
    from bot.index_cache import directory_documents
    from bot.understanding.stored import refresh
    from store.db import read_session

    with read_session(engine) as session:
        documents = directory_documents(session=session)
    task = progress.add_task("Encoding topics", total=len(documents)) if progress else None

    def advance(done: int, total: int) -> None:
        if progress is not None and task is not None:
            progress.update(task, completed=done, total=total)

    return refresh(engine, documents, advance)


def run_import_command(engine: Engine, path: Path, people: Path | None, dry_run: bool,
                       out: Console, err: Console, quiet: bool = False) -> int:
    """`pocbot import`: the exit code (0 done, 1 the file has problems)."""
    try:
        if dry_run:
            plan = _plan(engine, path, people)
        else:
            with Progress(console=err, transient=True) as progress:
                plan = import_file(engine, path, actor=f"import:{path.name}", people=people,
                                   progress=progress, quiet=quiet)
    except DirectoryFileError as exc:
        err.print(f"[red]{path} has {len(exc.errors)} problem{'' if len(exc.errors) == 1 else 's'}; nothing was imported:[/]")
        for line in exc.errors:
            err.print(f"  • {line}", markup=False, highlight=False)
        return 1
    _report(plan, dry_run, out)
    return 0


def export_file(engine: Engine, path: Path) -> None:
    with read_session(engine) as session:
        data = export_directory(session, datetime.now(timezone.utc))
    dump_directory_file(data, path)


def _plan(engine: Engine, path: Path, people: Path | None) -> ImportPlan:
    data = load_directory_file(path, people)
    with read_session(engine) as session:
        plan = plan_import(session, data, now=datetime.now(timezone.utc))
    if plan.errors:
        raise DirectoryFileError(plan.errors)
    return plan


def _report(plan: ImportPlan, dry_run: bool, out: Console) -> None:
    verb = "Would change" if dry_run else "Changed"
    if plan.is_empty:
        out.print("Nothing to change: the directory already matches the file.")
        return
    out.print(f"{verb}: {plan.summary()}")
    for note in plan.notes:
        out.print(f"  note: {note}", markup=False, highlight=False)
    for change in plan.changes[:MAX_LISTED_CHANGES]:
        out.print(f"  {change.describe()}", markup=False, highlight=False)
    if len(plan.changes) > MAX_LISTED_CHANGES:
        out.print(f"  … and {len(plan.changes) - MAX_LISTED_CHANGES} more")
    if dry_run:
        out.print("Dry run: nothing was written.")
