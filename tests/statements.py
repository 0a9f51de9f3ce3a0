"""Counts the SQL statements and the write transactions an engine runs (issue 11's figures).

An SQLAlchemy event listener sees every statement the driver executes; a transaction is a
write when it ran an INSERT, UPDATE or DELETE before it committed.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)  # not counted


@dataclass
class Tally:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0
    write_transactions: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def writes(self) -> list[str]:
        return [s for s in self.statements if _WRITE.match(s)]

    def summary(self) -> str:
        lines = [f"{self.write_transactions} write transactions, {self.transactions} in all, "
                 f"{len(self.statements)} statements:"]
        return "\n".join(lines + ["  " + " ".join(s.split())[:160] for s in self.statements])


@contextmanager
def counting(engine: Engine, ignore: tuple[str, ...] = ()) -> Iterator[Tally]:
    """Statements run on `engine` inside the block; `ignore` drops those naming these tables
    (say, the question log a timer thread flushes in batches)."""
    tally = Tally()

    def on_begin(conn: Connection) -> None:
        conn.info["pocbot_write"] = False

    def on_statement(conn: Connection, cursor, statement: str, parameters, context, executemany) -> None:  # noqa: ANN001
        if _CONTROL.match(statement) or any(re.search(rf"\b{name}\b", statement) for name in ignore):
            return
        with tally._lock:
            tally.statements.append(statement)
        if _WRITE.match(statement):
            conn.info["pocbot_write"] = True

    def on_end(conn: Connection) -> None:
        with tally._lock:
            tally.transactions += 1
            tally.write_transactions += bool(conn.info.pop("pocbot_write", False))

    listeners = [("begin", on_begin), ("before_cursor_execute", on_statement), ("commit", on_end),
                 ("rollback", on_end)]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        yield tally
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)
