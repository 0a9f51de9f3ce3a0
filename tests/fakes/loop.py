"""An asyncio event loop in a daemon thread, so sync tests can host async servers."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")


class LoopThread:
    """Runs one event loop for as long as a fixture needs it; `run` waits for a coroutine."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    def start(self) -> LoopThread:
        self._thread.start()
        return self

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self.run(self.loop.shutdown_default_executor(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self.loop.close()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()


@contextmanager
def serve_app(name: str, build: Callable[[], web.Application]) -> Iterator[tuple[LoopThread, str]]:
    """An aiohttp app on a loopback port, its loop in a thread; yields (loop, base URL).

    `build` runs inside the loop, as `serve` does: bolt and aiohttp bind to the running loop.
    Leaving runs the app's cleanup (on_shutdown drains its background work), then stops the loop.
    """
    loop = LoopThread(name).start()
    runner: web.AppRunner | None = None

    async def start() -> web.AppRunner:
        started = web.AppRunner(build(), access_log=None)
        await started.setup()
        await web.TCPSite(started, "127.0.0.1", 0).start()
        return started

    try:
        runner = loop.run(start())
        host, port = runner.addresses[0][:2]
        yield loop, f"http://{host}:{port}"
    finally:
        if runner is not None:
            loop.run(runner.cleanup(), timeout=20)
        loop.stop()
