"""Load and dump directory files, YAML or CSV by suffix, reporting every problem at once."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.services.directory_file import DirectoryFile, DirectoryFileError, PersonRecord, TopicRecord, in_file_order
from integrations.files import csv_file, yaml_file
from integrations.files.yaml_file import FIELD_LINES

_LOGGER = logging.getLogger(__name__)
_YAML = (".yaml", ".yml")


def people_csv_path(path: Path) -> Path:
    """Where the people of a topics CSV live by default: `org.csv` -> `org.people.csv`."""
    return path.with_name(f"{path.stem}.people.csv")


def load_directory_file(path: Path, people_path: Path | None = None) -> DirectoryFile:
    """Read a YAML or CSV directory file; DirectoryFileError lists every format problem.

    YAML holds `people:` and `topics:` lists of mappings (see demo/org.yaml); errors
    name the line each record starts on. CSV holds one topic a row under the header
    `name,aliases,description,tags,parent,channel,poc,backups,managers,examples,scheduled` (any order; only
    `name` is required), lists separated by `;`, blank cells meaning absent; errors
    name the row, the header being row 1. Its people go in a second CSV with the
    header `email,name,slack_id,teams_id,timezone,role` (`email` and `name` required):
    `people_path`, or else `<stem>.people.csv` beside it when that exists (where
    `dump_directory_file` writes it). A topics CSV may also name people already in
    the store. Only shapes are checked here (known fields, lists, lengths); what
    values mean (a timezone, a person, a parent) is checked when planning the import.
    """
    suffix = path.suffix.lower()
    if suffix not in (*_YAML, ".csv"):
        raise DirectoryFileError([f"{path.name}: unknown format (use .yaml, .yml or .csv)"])
    if suffix == ".csv":
        return _load_csv(path, people_path)
    if people_path is not None:
        raise DirectoryFileError(["a people CSV goes with a topics CSV, not with YAML"])
    people, topics, errors = yaml_file.read_yaml(path)
    return _build(people, topics, ("line", "line"), errors)


def _load_csv(path: Path, people_path: Path | None) -> DirectoryFile:
    if people_path is None and people_csv_path(path).is_file():
        people_path = people_csv_path(path)
    errors: list[str] = []
    topics = csv_file.read_csv(path, csv_file.TOPIC_COLUMNS, ("name",), "row", errors)
    if people_path is None:
        return _build([], topics, ("row", "row"), errors)
    origin = f"{people_path.name} row"
    people = csv_file.read_csv(people_path, csv_file.PEOPLE_COLUMNS, ("email", "name"), origin,
                               errors)
    return _build(people, topics, (origin, "row"), errors)


def _build(people: yaml_file.Numbered, topics: yaml_file.Numbered, origins: tuple[str, str],
           errors: list[str]) -> DirectoryFile:
    person_records = [r for line, raw in people
                      if (r := _record(PersonRecord, raw, line, origins[0], errors))]
    topic_records = [r for line, raw in topics
                     if (r := _record(TopicRecord, raw, line, origins[1], errors))]
    if errors:
        raise DirectoryFileError(in_file_order(errors))
    return DirectoryFile(people=person_records, topics=topic_records,
                         people_origin=origins[0], topics_origin=origins[1])


def _record(model: type[BaseModel], raw: dict[str, Any], line: int, origin: str,
            errors: list[str]) -> Any:
    noun = "person" if model is PersonRecord else "topic"
    named = raw.get("email" if model is PersonRecord else "name")
    what = f"{noun}" + (f" '{named}'" if isinstance(named, str) else "")
    lines = raw.pop(FIELD_LINES, {})  # YAML only: a CSV row is one line

    def where(field: Any = None, index: Any = None) -> str:
        found, items = lines.get(field, (line, []))
        at = items[index] if isinstance(index, int) and index < len(items) else found
        return f"{origin} {at}: {what}"

    fields = [name for name in model.model_fields if name != "line"]
    unknown = [key for key in raw if key not in fields]
    errors.extend(f"{where(key)}: unknown field '{key}' (allowed: {', '.join(fields)})"
                  for key in unknown)
    try:
        record = model.model_validate({**raw, "line": line}).located(lines)
    except ValidationError as exc:
        errors.extend(f"{where(*error['loc'][:2])}: {_message(error)}" for error in exc.errors()
                      if error["type"] != "extra_forbidden")
        return None
    return None if unknown else record



def _message(error: Any) -> str:
    field, *rest = [str(part) for part in error["loc"]]
    place = field + "".join(f"[{int(part) + 1}]" for part in rest if part.isdigit())
    if error["type"] == "missing":
        return f"missing field '{place}'"
    return f"field '{place}': {error['msg'].removeprefix('Value error, ')}"


def dump_directory_file(data: DirectoryFile, path: Path) -> None:
    """Write YAML, or a topics CSV plus `<stem>.people.csv`, chosen by the suffix."""
    people = [p.model_dump() for p in data.people]
    topics = [t.model_dump() for t in data.topics]
    suffix = path.suffix.lower()
    if suffix in _YAML:
        yaml_file.write_yaml([_compact(p) for p in people], [_compact(t) for t in topics], path)
    elif suffix == ".csv":
        for record, topic in zip(topics, data.topics):  # a cell holds each change as one text
            record["scheduled"] = [item.text() for item in topic.scheduled]
        unfit = [item for record in topics for item in csv_file.list_items_with_separator(record)]
        if unfit:
            raise DirectoryFileError([f"'{item}' contains ';', which a CSV list cannot hold: "
                                      "export to YAML instead" for item in unfit])
        csv_file.write_csv(topics, csv_file.TOPIC_COLUMNS, path)
        csv_file.write_csv(people, csv_file.PEOPLE_COLUMNS, people_csv_path(path))
    else:
        raise DirectoryFileError([f"{path.name}: unknown format (use .yaml, .yml or .csv)"])


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty values: absent and empty mean the same on import."""
    return {key: value for key, value in record.items() if value not in (None, "", [])}
