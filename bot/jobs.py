"""Work the bot does on its own, as plain functions of `now`: handovers, deliveries, pruning."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import astuple, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.digest import run_digests
from bot.nudges import NudgePolicy, run_nudges
from bot.delivery import Delivered, DeliveryError, Notifier
from bot.events import DirectoryChanged, change_event
from bot.reactions import changes as changes_of
from bot import landing
from bot.freshness import refresh
import bot.services.asking  # noqa: F401  (registers its messages' landing hooks)
from bot.undeliverable import tell_unreachable
from store import changes, outbox
from store.db import read_session, savepoint, write_session
from store.directory import bump_version
from store.models import DirectoryChange, OutboxMessage

_LOGGER = logging.getLogger(__name__)
DISPATCH_LEASE = timedelta(seconds=60)
KEEP_SENT = timedelta(days=30)
DISPATCH_EVERY = timedelta(seconds=1)
HANDOVERS_EVERY = timedelta(seconds=15)
PRUNE_EVERY = timedelta(hours=1)
NUDGES_EVERY = timedelta(minutes=1)  # nudges are due by the working hour, not the second
DIGESTS_EVERY = timedelta(minutes=15)  # a digest is due by the hour of each time zone


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta  # how often `pocbot serve` runs it; `pocbot tick` runs each once
    run: Callable[[datetime], Any]  # as of `now`


def job_table(*, engine: Engine, notifiers: Mapping[str, Notifier], worker: str, policy: NudgePolicy = NudgePolicy(),
              digest: str = "off", language: str = "en", stop: threading.Event | None = None,
              deliver_all: bool = False) -> list[Job]:
    """Every scheduled job, in the order a tick runs them: the one table for serve and tick.
    `deliver_all`: deliver everything due at `now` (a tick has no next second) rather than
    one row per address per run (serve's pacing)."""
    def dispatch(now: datetime) -> DispatchResult:
        if deliver_all:
            return run_dispatch_all(engine=engine, notifiers=notifiers, now=now, worker=worker)
        return run_dispatch(engine=engine, notifiers=notifiers, now=now, worker=worker, stop=stop)

    return [
        Job("handovers", HANDOVERS_EVERY, lambda now: run_handovers(engine=engine, now=now, policy=policy)),
        Job("nudges", NUDGES_EVERY, lambda now: run_nudges(engine=engine, now=now, defaults=policy)),
        Job("digests", DIGESTS_EVERY, lambda now: run_digests(
            engine=engine, now=now, when=digest, default_tz=policy.timezone or "UTC", lang=language)),
        Job("dispatch", DISPATCH_EVERY, dispatch),
        Job("prune", PRUNE_EVERY, lambda now: run_prune(engine=engine, now=now)),
    ]


@dataclass(frozen=True)
class DispatchResult:
    """What one dispatch run did with the rows it claimed."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # failed for now, rescheduled
    failed: int = 0  # given up: permanent error or too old
    released: int = 0  # handed back undelivered, or taken over by another worker
    dropped: int = 0  # no longer true when its turn came: not sent


@dataclass(frozen=True)
class DueResult:
    handovers: int
    dispatch: DispatchResult = field(default_factory=DispatchResult)
    pruned: int = 0
    nudges: int = 0
    digests: int = 0  # digest messages written


def worker_id() -> str:
    """This process's name on the claims it takes: host, pid and a random suffix."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_due(*, engine: Engine, notifiers: Mapping[str, Notifier], now: datetime, worker: str,
            policy: NudgePolicy = NudgePolicy(), digest: str = "off", language: str = "en") -> DueResult:
    """Every due job once, as of `now`: the table `pocbot tick` runs (built there by the wiring)."""
    return run_once(job_table(engine=engine, notifiers=notifiers, worker=worker, policy=policy, digest=digest,
                              language=language, deliver_all=True), now)


def run_once(jobs: list[Job], now: datetime) -> DueResult:
    """Each job of a table (built with deliver_all) once, in order, as of `now`."""
    done = {job.name: job.run(now) for job in jobs}
    return DueResult(done["handovers"], done["dispatch"], done["prune"], done["nudges"].claimed,
                     done["digests"].messages)


def run_dispatch_all(*, engine: Engine, notifiers: Mapping[str, Notifier], now: datetime,
                     worker: str) -> DispatchResult:
    """Deliver everything due at `now`, each address's rows in order (a tick has no next second).

    Each round takes the head of every address; it stops when a round settles nothing,
    so a head that keeps failing holds back only its own address, once.
    """
    total = DispatchResult()
    while True:
        done = run_dispatch(engine=engine, notifiers=notifiers, now=now, worker=worker)
        total = DispatchResult(*(a + b for a, b in zip(astuple(total), astuple(done))))
        if done.sent + done.dropped == 0:
            return total


def run_dispatch(*, engine: Engine, notifiers: Mapping[str, Notifier], now: datetime, worker: str,
                 limit: int = 100, lease: timedelta = DISPATCH_LEASE,
                 stop: threading.Event | None = None) -> DispatchResult:
    """Deliver due outbox rows: claim in one transaction, deliver outside any, settle each alone.

    Once `stop` is set (the process is shutting down) the rows not yet delivered are
    handed back at once, so a restarted or other worker takes them without waiting
    for the lease.
    """
    if not notifiers or (stop is not None and stop.is_set()):
        return DispatchResult()
    with write_session(engine) as session:
        claimed = outbox.claim_due(session=session, now=now, worker=worker, lease=lease,
                                   platforms=list(notifiers), limit=limit)
    # Deliver only while the claims are surely ours: once a lease lapses another worker
    # may take the row, and delivering it here too would send it twice.
    deadline = time.monotonic() + lease.total_seconds() / 2
    outcomes: Counter[str] = Counter()
    for index, message in enumerate(claimed):
        if time.monotonic() > deadline or (stop is not None and stop.is_set()):
            rest = [m.id for m in claimed[index:] if m.id is not None]
            with write_session(engine) as session:
                outbox.release(session=session, message_ids=rest, worker=worker)
            outcomes["released"] += len(rest)
            break
        outcomes[_deliver(engine, notifiers[message.platform], message, now, worker)] += 1
    return DispatchResult(claimed=len(claimed), **outcomes)


def _deliver(engine: Engine, notifier: Notifier, message: OutboxMessage, now: datetime, worker: str) -> str:
    try:
        with read_session(engine) as session:
            fresh = refresh(session, message)
    except Exception:  # a store blip: this row waits for its lease, the others go on
        _LOGGER.exception("could not check outbox row %s before delivering it; it will be tried again", message.id)
        return "retrying"
    if fresh is None:
        with write_session(engine) as session:
            outbox.mark_dropped(session=session, message_id=message.id or 0, worker=worker, now=now,
                                reason="no longer true when due")
        _LOGGER.info("dropped %s to %s:%s (outbox row %s): no longer true",
                     message.kind, message.platform, message.address, message.id)
        return "dropped"
    try:
        landed = notifier.deliver(fresh)
    except DeliveryError as exc:
        return _settle_failure(engine, message, now, worker, str(exc), exc.retry_after, exc.permanent,
                               exc.not_member)
    except Exception as exc:  # a notifier bug must not stop the other rows
        _LOGGER.exception("the %s notifier failed on outbox row %s", message.platform, message.id)
        return _settle_failure(engine, message, now, worker, f"{type(exc).__name__}: {exc}", None, False)
    with write_session(engine) as session:
        marked = outbox.mark_sent(session=session, message_id=message.id or 0, worker=worker, now=now)
        if marked and landed is not None:
            landing.landed(session, message, landed)
    if not marked:
        _LOGGER.warning("outbox row %s was delivered after its claim lapsed", message.id)
    return "sent"


def _settle_failure(engine: Engine, message: OutboxMessage, now: datetime, worker: str, error: str,
                    retry_after: float | None, permanent: bool, not_member: bool = False) -> str:
    with write_session(engine) as session:
        status = outbox.mark_failed(session=session, message_id=message.id or 0, worker=worker, now=now,
                                    error=error, retry_after=retry_after, permanent=permanent)
        told = _tell_unreachable(session, message, now) if status == "failed" and not_member else 0
    if status == "failed":
        # ERROR, with the row id: admins also see it on App Home and in /poc stats.
        _LOGGER.error("gave up on %s to %s:%s (outbox row %s): %s%s", message.kind, message.platform,
                      message.address, message.id, error, f"; {told} told how to fix it" if told else "")
        return "failed"
    _LOGGER.info("will retry outbox row %s to %s:%s: %s", message.id, message.platform, message.address, error)
    return "retrying" if status == "pending" else "released"


def _tell_unreachable(session: Session, message: OutboxMessage, now: datetime) -> int:
    """In a savepoint: failing to tell who can fix it must not undo giving the row up."""
    try:
        with savepoint(session):
            return tell_unreachable(session=session, message=message, now=now)
    except Exception:
        _LOGGER.exception("could not tell anyone that outbox row %s cannot be delivered", message.id)
        return 0


def run_handovers(*, engine: Engine, now: datetime, policy: NudgePolicy = NudgePolicy()) -> int:
    """Announce every dated change that is due, exactly once; returns how many.

    The claim (setting announced_at) and the outbox rows share one transaction, so a
    change is announced entirely or not at all, and a second runner finds nothing.
    """
    with write_session(engine) as session:
        announced = 0
        for change in changes.claim_due(session=session, now=now):
            try:
                # A savepoint per change: one that cannot be announced (a bug, bad data)
                # is put back for the next run and does not hold up the others.
                with savepoint(session):
                    changes_of(session, now=now, policy=policy).record(took_effect(change))
                announced += 1
            except Exception:
                _LOGGER.exception("could not announce directory change %s; will retry", change.id)
                changes.unclaim(session=session, change_id=change.id or 0)
        if announced:
            bump_version(session=session)
    return announced


def took_effect(change: DirectoryChange) -> DirectoryChanged:
    """The event a kept change stands for on its day."""
    return change_event(change_id=change.id or 0, topic_id=change.topic_id, kind=change.kind,
                        person_id=change.person_id, previous_id=change.previous_person_id, actor=change.actor,
                        reason=change.reason, effective_at=change.effective_at)


def run_prune(*, engine: Engine, now: datetime, keep: timedelta = KEEP_SENT) -> int:
    """Forget outbox rows sent more than `keep` ago."""
    with write_session(engine) as session:
        return outbox.prune(session=session, before=now - keep)
