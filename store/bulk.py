"""Generic bulk writes: few statements for many rows, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, insert, update
from sqlalchemy import Enum as SAEnum
from sqlmodel import Session, SQLModel

_LOGGER = logging.getLogger(__name__)
_IN_CHUNK = 1000  # values per IN (...): far below SQLite's and PostgreSQL's parameter limits


def chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(*, session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """Insert rows that each give the same columns, in as few round trips as the backend allows.

    Core, not the ORM: its per-row bookkeeping costs more than the SQL. On PostgreSQL
    (psycopg) COPY, since executemany there costs ~30 µs a row: minutes for a big import.
    """
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        session.execute(insert(table), rows)
        return
    quote = dialect.identifier_preparer.quote
    columns = list(rows[0])
    sql = f"COPY {quote(table.name)} ({', '.join(map(quote, columns))}) FROM STDIN"
    # COPY sends text: enums go as their values and JSON as its serialisation.
    to_text = [(name, _COPY_TEXT.get(type(table.c[name].type))) for name in columns]
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([f(row[name]) if f and row[name] is not None else row[name]
                            for name, f in to_text])


_COPY_TEXT: dict[type, Callable[[Any], Any]] = {
    SAEnum: lambda value: getattr(value, "value", value),
    JSON: json.dumps,
}


def update_rows(*, session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """Bulk UPDATE by primary key: each row holds "id" and the columns to change."""
    if rows:
        session.execute(update(model), rows)
