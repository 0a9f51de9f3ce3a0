"""The store made unavailable, as when the database server is down or unreachable."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError


@contextmanager
def store_down(engine: Engine) -> Iterator[None]:
    """Every connection attempt fails until the block ends (pooled connections are dropped first)."""
    def refuse(*_: object) -> None:
        raise OperationalError("connect", {}, ConnectionRefusedError("the database is down"))

    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)
