"""Who a chat user is, for every platform: one cache in front of the directory.

Known people are remembered for a few minutes (a re-linked person shows up within five);
strangers for an hour, so the platform is asked for their email at most once an hour.
How a stranger is linked on first sight (Slack's users.info, the Teams roster) is the
platform's own `Linker`, handed in with each request.
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from bot.core import Bot
from bot.messages import Actor

UNKNOWN_TTL_SECONDS = 3600.0
KNOWN_TTL_SECONDS = 300.0  # a re-linked person shows up within five minutes
MAX_REMEMBERED = 10_000
PLATFORM_SECONDS = 30.0  # the most a command waits for the platform to say who someone is
_T = TypeVar("_T")
# Links a stranger to a directory person on first sight, returning the actor (linked or
# not). It runs in a worker thread, as the store does; what it asks the platform it runs
# on the given event loop (asyncio.run_coroutine_threadsafe), so no worker thread waits
# for another.
Linker = Callable[[Actor, asyncio.AbstractEventLoop], Actor]


def on_loop(work: Coroutine[Any, Any, _T], loop: asyncio.AbstractEventLoop) -> _T:
    """A Linker's call to its platform, run on the event loop from the worker thread."""
    return asyncio.run_coroutine_threadsafe(work, loop).result(PLATFORM_SECONDS)


class Identities:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._known: dict[tuple[str, str], tuple[Actor, float]] = {}
        self._strangers: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()  # find() runs in several worker threads at once

    async def actor(self, actor: Actor, link: Linker | None = None) -> Actor:
        """The actor with their directory person filled in when there is one."""
        known = self.known(actor)
        if known is not None:
            return known
        return await asyncio.to_thread(self.find, actor, link, asyncio.get_running_loop())

    def known(self, actor: Actor) -> Actor | None:
        """The remembered person, without asking anyone."""
        with self._lock:
            known = self._known.get((actor.platform, actor.user_id))
        return known[0] if known is not None and time.monotonic() - known[1] < KNOWN_TTL_SECONDS else None

    def find(self, actor: Actor, link: Linker | None, loop: asyncio.AbstractEventLoop) -> Actor:
        """`actor`, from a worker thread: remembered, else the store's, else linked on first sight."""
        key = (actor.platform, actor.user_id)
        cached = self.known(actor)
        if cached is not None:
            return cached  # not remembered again: the entry expires KNOWN_TTL after the store said so
        found = self.bot.identify(actor)
        if found.person_id is None and self._recently_unknown(key):
            return found
        if found.person_id is None and link is not None:
            found = link(found, loop)
        self._remember(key, found)
        return found

    def _remember(self, key: tuple[str, str], actor: Actor) -> None:
        with self._lock:
            self._remember_locked(key, actor)

    def _remember_locked(self, key: tuple[str, str], actor: Actor) -> None:
        now = time.monotonic()
        if actor.person_id is None:
            if len(self._strangers) >= MAX_REMEMBERED:  # forget the expired ones first
                self._strangers = {k: s for k, s in self._strangers.items() if now - s < UNKNOWN_TTL_SECONDS}
            self._strangers[key] = now
            return
        if len(self._known) >= MAX_REMEMBERED:
            self._known.clear()  # a rare, cheap reset beats bookkeeping an LRU
        self._known[key] = (actor, now)

    def _recently_unknown(self, key: tuple[str, str]) -> bool:
        with self._lock:
            seen = self._strangers.get(key)
        return seen is not None and time.monotonic() - seen < UNKNOWN_TTL_SECONDS
