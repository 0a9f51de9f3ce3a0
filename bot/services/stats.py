"""`/poc stats [topic]`: inquiry figures and lookups that found nobody, over the last 30 days."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.durations import human
from bot.index_cache import Snapshot
from bot.messages import Message, Reply, ReplyKind
from bot.understanding.frames import topic_query
from bot.understanding.pipeline import understand
from bot.permissions import may_change
from bot.services.context import Context, find_topic, view
from bot.understanding.text import fold
from store import outbox, stats as store
from store.models import OutboxMessage, Role
from store.people import by_ids

WINDOW = timedelta(days=30)
TOP_TOPICS = 10
TOP_POCS = 10
TOP_GAPS = 5
TOP_FAILED = 5
GAP_DISPLAY = 80
# A subtree larger than this is filtered in Python: a long IN list costs SQLite more than
# reading the 30-day window, and could pass its limit on bound parameters.
SQL_SCOPE_LIMIT = 500


@dataclass
class Figures:
    """Inquiry counts and response times of one topic, one POC, or everything in scope."""

    asked: int = 0
    waiting: int = 0
    overdue: int = 0
    judged: int = 0
    met: int = 0
    times: list[float] = field(default_factory=list)

    def add(self, row: store.InquiryFigures) -> None:
        self.asked += 1
        self.waiting += row.waiting
        self.overdue += row.overdue
        self.judged += row.judged
        self.met += row.met
        if row.seconds is not None:
            self.times.append(row.seconds)

    def rank(self) -> tuple[int, int, int]:
        """Most in need first: overdue, then open, then volume."""
        return (-self.overdue, -self.waiting, -self.asked)

    def values(self) -> dict[str, object]:
        ordered = sorted(self.times)
        return {
            "asked": self.asked, "open": self.waiting, "overdue": self.overdue,
            "median": duration(percentile(ordered, 0.5)), "p90": duration(percentile(ordered, 0.9)),
            "within": f"{round(100 * self.met / self.judged)}%" if self.judged else None,
        }


@dataclass
class Breakdown:
    total: Figures = field(default_factory=Figures)
    topics: dict[int, Figures] = field(default_factory=dict)
    people: dict[int, Figures] = field(default_factory=dict)


def stats(session: Session, ctx: Context, text: str) -> Reply:
    topic_id = None
    if text.strip():
        topic_id, problem = find_topic(ctx, text)
        if problem:
            return problem
    scope = subtree(ctx.snapshot, topic_id) if topic_id is not None else None
    since = ctx.now - WINDOW
    figures = breakdown(session, since, ctx.now, scope)
    gaps = _gap_lines(session, ctx, since, scope) + _failed_lines(session, ctx, since, topic_id)
    topic = ctx.snapshot.topics[topic_id].name if topic_id is not None else None
    if not figures.total.asked and not gaps:
        return Reply(ReplyKind.listing, ctx.lang, note="stats_empty_topic" if topic else "stats_empty",
                     values={"topic": topic} if topic else {})
    lines = []
    if figures.total.asked:
        if topic_id is None or set(figures.topics) != {topic_id}:  # one topic: the title says it all
            lines += _topic_lines(session, ctx.snapshot, figures.topics)
        lines += _poc_lines(session, ctx, topic_id, figures.people)
    lines += gaps
    note = "stats_title_topic" if topic else "stats_title"
    return Reply(ReplyKind.listing, ctx.lang, note=note, values={"topic": topic, **figures.total.values()},
                 lines=tuple(lines))


def breakdown(session: Session, since: datetime, now: datetime, scope: Collection[int] | None) -> Breakdown:
    """Figures in scope (None: every topic) by topic, by POC and in total."""
    in_sql = scope if scope is not None and len(scope) <= SQL_SCOPE_LIMIT else None
    wanted = (lambda topic_id: True) if scope is None else (lambda topic_id: topic_id in scope)
    result = Breakdown()
    for row in store.inquiry_figures(session=session, since=since, now=now, topic_ids=in_sql):
        if wanted(row.topic_id):
            result.total.add(row)
            result.topics.setdefault(row.topic_id, Figures()).add(row)
            result.people.setdefault(row.person_id, Figures()).add(row)
    return result


def _topic_lines(session: Session, snapshot: Snapshot, topics: dict[int, Figures]) -> list[Message]:
    ranked = sorted(topics, key=lambda t: topics[t].rank())
    shown = ranked[:TOP_TOPICS]
    names = _names(session, snapshot, shown)
    lines = [Message("stats_by_topic")]
    lines += [Message("stats_topic_line", {"topic": names.get(t, "?"), **topics[t].values()}) for t in shown]
    return lines + _more(len(ranked) - len(shown))


def _poc_lines(session: Session, ctx: Context, topic_id: int | None, people: dict[int, Figures]) -> list[Message]:
    """Every POC's line for admins and the topic's managers; others see only their own."""
    everyone = may_change(session, ctx, topic_id)
    own = ctx.person.id if ctx.person is not None else None
    visible = people if everyone else {p: f for p, f in people.items() if p == own}
    ranked = sorted(visible, key=lambda p: visible[p].rank())
    shown = ranked[:TOP_POCS]
    found = by_ids(session=session, ids=shown) if shown else {}
    lines = [Message("stats_by_poc")] if shown else []
    lines += [Message("stats_poc_line", {"person": view(found[p]), **visible[p].values()}) for p in shown if p in found]
    lines += _more(len(ranked) - len(shown))
    if not everyone and len(people) > len(visible):
        lines.append(Message("stats_poc_hidden"))
    return lines


def _gap_lines(session: Session, ctx: Context, since: datetime, scope: Collection[int] | None) -> list[Message]:
    """The most-asked lookups that named nobody: unknown words (overview only) and topics without a POC.
    Admins and managers see, beside each unknown phrasing, the command that teaches it."""
    snapshot = ctx.snapshot
    no_poc = [(t, n) for t, n in store.no_poc_questions(session=session, since=since) if scope is None or t in scope]
    unknown = top_unknown(store.unknown_questions(session=session, since=since)) if scope is None else []
    names = _names(session, snapshot, [t for t, _ in no_poc[:TOP_GAPS]])
    gaps = [(n, "stats_gap_no_poc", {"topic": names.get(t, "?")}) for t, n in no_poc[:TOP_GAPS]]
    teaches = ctx.role in (Role.admin, Role.manager)
    gaps += [(n, *_unknown_gap(query, snapshot, teaches)) for query, n in unknown]
    gaps.sort(key=lambda gap: -gap[0])  # stable: a tie keeps topics first
    if not gaps:
        return []
    return [Message("stats_gaps")] + [Message(key, {**values, "n": n}) for n, key, values in gaps[:TOP_GAPS]]


def _failed_lines(session: Session, ctx: Context, since: datetime, topic_id: int | None) -> list[Message]:
    """Admins see the deliveries given up (the overview only): none may vanish in a log."""
    if ctx.role is not Role.admin or topic_id is not None:
        return []
    count, rows = outbox.given_up(session=session, since=since, limit=TOP_FAILED)
    if not count:
        return []
    return [Message("stats_failed", {"n": count})] + [Message("stats_failed_line", failure(row)) for row in rows]


def failure(row: OutboxMessage) -> dict[str, object]:
    """A given-up delivery as catalogue values."""
    return {"id": row.id, "kind": row.kind, "address": f"{row.platform}:{row.address}",
            "when": str(row.created_at)[:16], "error": row.last_error[:GAP_DISPLAY]}


def _unknown_gap(query: str, snapshot: Snapshot, teaches: bool) -> tuple[str, dict[str, str]]:
    if not teaches:
        return "stats_gap_unknown", {"query": query}
    closest = understand(query, snapshot.understanding).candidates
    topic = snapshot.topics[closest[0].topic_id].name if closest and closest[0].topic_id in snapshot.topics else "<topic>"
    return "stats_gap_unknown_teach", {"query": query, "topic": topic}


def top_unknown(rows: Iterable[tuple[str, int]], limit: int = TOP_GAPS) -> list[tuple[str, int]]:
    """Unknown lookups grouped by what was asked about ("who owns X?" and "x" are one), most first."""
    counts: Counter[str] = Counter()
    for text, n in rows:
        key = topic_query(text) or fold(text)
        if key:
            counts[key] += n
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [(_clip(key), n) for key, n in ranked]


def _clip(text: str) -> str:
    return text if len(text) <= GAP_DISPLAY else text[: GAP_DISPLAY - 1].rstrip() + "…"


def _names(session: Session, snapshot: Snapshot, ids: list[int]) -> dict[int, str]:
    names = {t: snapshot.topics[t].name for t in ids if t in snapshot.topics}
    missing = [t for t in ids if t not in names]  # removed topics keep their figures
    return {**names, **store.topic_names(session=session, ids=missing)}


def _more(n: int) -> list[Message]:
    return [Message("stats_more", {"n": n})] if n > 0 else []


def subtree(snapshot: Snapshot, topic_id: int) -> set[int]:
    """The topic and every live topic under it."""
    children: dict[int, list[int]] = {}
    for row in snapshot.topics.values():
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row.id)
    found, stack = {topic_id}, [topic_id]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def percentile(ordered: list[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks, as PostgreSQL's percentile_cont."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def duration(seconds: float | None) -> str | None:
    """Human-friendly: "45m", "3h 20m", "2d 4h" (None stays None: rendered as a dash)."""
    if seconds is None:
        return None
    minutes = round(seconds / 60)
    return human(timedelta(minutes=minutes)) if minutes >= 1 else "<1m"
