"""What the fake HTTP servers share: a loopback aiohttp app in its own loop thread that
records every call under a lock and answers queued canned failures first.

A fake subclasses RecordingServer, registers its routes in `_routes`, says which field of
its Call record `calls(key)` filters on in `_key`, and records each answer with `_record`.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Generic, Self, TypeVar

from aiohttp import web

from tests.fakes.loop import LoopThread

C = TypeVar("C")  # the fake's record of one call
F = TypeVar("F")  # the fake's canned failure


@dataclass(kw_only=True)
class RecordingServer(Generic[C, F]):
    """start/stop on 127.0.0.1:0, `url`, and the recorded calls and queued failures."""

    thread_name: ClassVar[str] = "fake-server"
    url_path: ClassVar[str] = "/"  # appended to http://host:port to make `url`

    url: str = ""
    _calls: list[C] = field(default_factory=list)
    _failures: dict[str, deque[F]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: LoopThread | None = None
    _runner: web.AppRunner | None = None

    # -- what a fake provides ----------------------------------------------
    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def _key(self, call: C) -> str:
        """What `calls(key)`, `fail(key, ...)` and `wait_for(key)` match a call by."""
        raise NotImplementedError

    # -- what tests set ----------------------------------------------------
    def fail(self, key: str, *failures: F) -> None:
        """Answer the next calls of key with these failures, in order, then normally."""
        with self._lock:
            self._failures[key].extend(failures)

    # -- what tests read ---------------------------------------------------
    def calls(self, key: str | None = None) -> list[C]:
        with self._lock:
            return [c for c in self._calls if key is None or self._key(c) == key]

    def wait_for(self, key: str, count: int = 1, timeout: float = 5.0) -> list[C]:
        """Wait (polling) until at least count calls of key arrived; they come from background work."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls(key)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {key} call(s) within {timeout}s, got {len(found)}")
            time.sleep(0.01)

    # -- recording an answer -------------------------------------------------
    def _record(self, key: str, call: Callable[[F | None], C], otherwise: F | None = None) -> F | None:
        """Take the next queued failure for key (or `otherwise`), record the call built for
        it, and return the failure to answer with (None: answer normally)."""
        with self._lock:
            queue = self._failures.get(key)
            failure = queue.popleft() if queue else otherwise
            self._calls.append(call(failure))
        return failure

    # -- the server --------------------------------------------------------
    def start(self) -> Self:
        self._loop = LoopThread(self.thread_name).start()
        self._loop.run(self._start())
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        try:
            if self._runner is not None:
                self._loop.run(self._runner.cleanup())
        finally:
            self._loop.stop()

    async def _start(self) -> None:
        app = web.Application()
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}{self.url_path}"
