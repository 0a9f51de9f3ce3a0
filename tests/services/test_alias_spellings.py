"""Real directories list one alias in two spellings ("laptop", "laptops"): one alias, both kept."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.core import Bot
from bot.services.directory_export import export_directory
from bot.services.directory_import import apply_import, plan_import
from integrations.files.formats import dump_directory_file, load_directory_file
from integrations.files.importing import run_import_command
from store.db import read_session
from store.models import TopicAlias

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ORG = """\
people:
  - {email: ann@acme.test, name: Ann}
topics:
  - name: IT Hardware
    aliases:
      - laptop
      - docking station
      - laptops
    poc: ann@acme.test
  - name: Legal
    aliases: [NDA, contracts, NDAs]
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def dry_run(engine: Engine, path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_import_command(engine, path, None, True, Console(file=out, width=300), Console(file=err, width=300))
    return code, out.getvalue(), err.getvalue()


def test_two_spellings_of_one_alias_are_one_alias_that_keeps_both_and_exports_back_as_written(
    engine: Engine, tmp_path: Path,
) -> None:
    path = write(tmp_path / "org.yaml", ORG)

    apply_import(engine, load_directory_file(path), actor="admin", now=NOW)

    with read_session(engine) as session:
        rows = [(r.alias, r.key, r.spellings) for r in session.execute(select(TopicAlias).order_by(TopicAlias.id)).scalars()]
        exported = export_directory(session, NOW)
    assert rows == [("laptop", "laptop", ["laptops"]), ("docking station", "docking station", []),
                    ("NDA", "nda", ["NDAs"]), ("contracts", "contract", [])]
    assert [t.aliases for t in exported.topics] == [["laptop", "laptops", "docking station"],
                                                     ["NDA", "NDAs", "contracts"]]
    dump_directory_file(exported, tmp_path / "export.yaml")
    with read_session(engine) as session:
        assert plan_import(session, load_directory_file(path), now=NOW).is_empty
        assert plan_import(session, load_directory_file(tmp_path / "export.yaml"), now=NOW).is_empty
    bot = Bot(engine, semantic=False)
    assert bot.lookup("laptops").answer.topic == bot.lookup("laptop").answer.topic == "IT Hardware"


def test_a_dry_run_says_which_spellings_it_takes_as_one_alias_and_an_unchanged_directory_says_nothing(
    engine: Engine, tmp_path: Path,
) -> None:
    path = write(tmp_path / "org.yaml", ORG)

    code, out, err = dry_run(engine, path)

    assert code == 0 and err == ""
    assert ("note: line 5: topic 'IT Hardware': aliases 'laptop' and 'laptops' are the same once folded: "
            "kept as one alias") in out
    assert "note: line 11: topic 'Legal': aliases 'NDA' and 'NDAs' are the same once folded" in out
    apply_import(engine, load_directory_file(path), actor="admin", now=NOW)
    assert dry_run(engine, path)[1] == "Nothing to change: the directory already matches the file.\n"


def test_one_alias_in_two_topics_is_still_refused_at_the_line_of_the_alias(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "org.yaml", ORG.replace("[NDA, contracts, NDAs]", "[NDA, laptops]"))

    with read_session(engine) as session:
        plan = plan_import(session, load_directory_file(path), now=NOW)

    assert plan.errors == [
        "line 11: topic 'Legal': alias 'laptops' is already an alias of topic 'IT Hardware' (line 6)"]
