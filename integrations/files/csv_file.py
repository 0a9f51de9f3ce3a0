"""CSV directory files: one record a row under a header, lists `;`-separated."""
from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)
TOPIC_COLUMNS = ("name", "aliases", "description", "tags", "parent", "channel", "poc", "backups",
                 "managers", "examples", "scheduled")
PEOPLE_COLUMNS = ("email", "name", "slack_id", "teams_id", "timezone", "role")
LIST_COLUMNS = frozenset({"aliases", "tags", "backups", "managers", "examples", "scheduled"})
SEPARATOR = ";"
Numbered = list[tuple[int, Any]]  # (row, raw record); the header is row 1


def read_csv(path: Path, columns: tuple[str, ...], required: tuple[str, ...], origin: str,
             errors: list[str]) -> Numbered:
    """Records by row number. Blank cells are left out (absent); blank rows are skipped."""
    rows = _rows(path, origin, errors)
    if not rows:
        if not errors:
            errors.append(f"{origin} 1: missing header (columns: {', '.join(columns)})")
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    problems = _header_problems(header, columns, required)
    errors.extend(f"{origin} 1: {problem}" for problem in problems)
    if problems:
        return []
    numbered: Numbered = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            errors.append(f"{origin} {number}: {len(row)} cells, but the header has {len(header)}")
            continue
        numbered.append((number, _record(header, row, required)))
    return numbered


def _rows(path: Path, origin: str, errors: list[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    try:
        # utf-8-sig: spreadsheets often start their CSV exports with a byte-order mark.
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.reader(handle, strict=True):
                rows.append(row)
    except csv.Error as exc:
        errors.append(f"{origin} {len(rows) + 1}: malformed CSV ({exc})")
    except UnicodeDecodeError:
        errors.append(f"{path.name}: not UTF-8 text")
    except OSError as exc:
        errors.append(f"{path}: {exc.strerror}")
    return rows


def _header_problems(header: list[str], columns: tuple[str, ...],
                     required: tuple[str, ...]) -> list[str]:
    allowed = ", ".join(columns)
    problems = [f"unknown column '{c}' (allowed: {allowed})" for c in header if c not in columns]
    problems += [f"column '{c}' appears twice" for c in dict.fromkeys(header)
                 if header.count(c) > 1]
    problems += [f"missing column '{c}'" for c in required if c not in header]
    return problems


def _record(header: list[str], row: list[str], required: tuple[str, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, cell in zip(header, row):
        if column in LIST_COLUMNS:
            record[column] = [item.strip() for item in cell.split(SEPARATOR) if item.strip()]
        elif cell.strip() or column in required:
            record[column] = cell
    return record


def write_csv(records: list[dict[str, Any]], columns: tuple[str, ...], path: Path) -> None:
    """Write every column for every record; None becomes an empty cell."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for record in records:
            writer.writerow([_cell(record.get(column)) for column in columns])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return SEPARATOR.join(value)
    return str(value)


def list_items_with_separator(record: dict[str, Any]) -> list[str]:
    """List items a CSV cannot hold, because they contain the separator."""
    return [item for column in LIST_COLUMNS for item in record.get(column) or []
            if SEPARATOR in item]
