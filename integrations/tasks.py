"""Work that runs after a platform has its acknowledgement: tracked, logged, awaitable."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

_LOGGER = logging.getLogger(__name__)


class Background:
    """Keeps references to spawned tasks (asyncio holds only weak ones) and logs failures."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any], name: str = "") -> None:
        self.keep(asyncio.get_running_loop().create_task(work, name=name or None))

    def keep(self, task: asyncio.Task[Any], name: str = "") -> None:
        """Track work already running (a request finished after its acknowledgement)."""
        if name:
            task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _LOGGER.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self) -> None:
        """Wait until nothing is pending (tests, benchmarks and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
