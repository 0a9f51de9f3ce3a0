"""The weekly digest, a plain function of `now`: each POC's waiting inquiries, each subscribed
channel's week of POC changes, each listed manager's lookups that found nobody."""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.addresses import person_address, person_payload
from bot.announce import hearing_channels
from bot.i18n import t
from bot.messages import PersonView
from bot.nudges import shorten
from bot.platforms import stranger_view
from bot.render import PLAIN, Style
from bot.services.stats import top_unknown
from store import digest as store
from store import stats as store_stats
from store import topics as topic_store
from store.db import read_session, write_session
from store.digest import Recipient
from store.models import Person
from store.outbox import as_utc
from store.people import by_ids
from store import outbox
from store.outbox import NewMessage

_LOGGER = logging.getLogger(__name__)
WEEK = timedelta(days=7)
POC_LIMIT = 10  # inquiries listed in a POC's digest; the rest are counted
CHANGE_LIMIT = 20
QUESTION_DISPLAY = 120  # ten questions to a digest: shorter than a nudge shows one
GAP_LIMIT = 5
NO_POC_TOPICS = 1000  # the most asked no-POC topics matched against managers' subtrees
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = {**{d: i for i, d in enumerate(_DAYS)}, **{d[:3]: i for i, d in enumerate(_DAYS)}}
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
CHANGE_LINES = {
    "primary": "digest_change_primary", "backup_add": "digest_change_backup_add",
    "backup_remove": "digest_change_backup_remove", "unassign": "digest_change_unassign",
}


@dataclass(frozen=True)
class DigestTime:
    weekday: int  # 0 is Monday
    at: time


def parse_digest_time(text: str) -> DigestTime | None:
    """'mon 09:00' or 'monday 9:00' (local time); 'off' is None; anything else raises ValueError."""
    words = text.strip().lower().split()
    if words == ["off"]:
        return None
    found = _TIME.fullmatch(words[1]) if len(words) == 2 else None
    day = _WEEKDAYS.get(words[0]) if words else None
    if found is None or day is None or int(found[1]) > 23 or int(found[2]) > 59:
        raise ValueError(f"not a weekly digest time: {text!r} (try 'mon 09:00', or 'off')")
    return DigestTime(day, time(int(found[1]), int(found[2])))


def check_config(when: str, default_tz: str) -> None:
    """Refuse a bad POCBOT_DIGEST or POCBOT_TIMEZONE when the server starts, not on Monday."""
    try:
        parse_digest_time(when)
    except ValueError as exc:
        raise ValueError(f"POCBOT_DIGEST: {exc}") from exc
    if _zone(default_tz) is None:
        raise ValueError(f"POCBOT_TIMEZONE: not a time zone: {default_tz!r}")


@dataclass(frozen=True)
class DigestResult:
    zones: int = 0  # time zones whose digest this run sent
    poc: int = 0  # outbox rows written, by kind
    channel: int = 0
    manager: int = 0

    @property
    def messages(self) -> int:
        return self.poc + self.channel + self.manager


def run_digests(*, engine: Engine, now: datetime, when: str = "mon 09:00", default_tz: str = "UTC",
                lang: str = "en") -> DigestResult:
    """Send the digest of every time zone whose digest time has passed in its current ISO week.

    A run before the time sends nothing; any later run that week catches up. Each zone's
    mark is inserted in the transaction that writes its messages, so a rerun or a second
    replica sends nothing more. Most runs find every due zone marked and write nothing.
    """
    at = parse_digest_time(when)
    if at is None:
        return DigestResult()
    now = as_utc(now)
    with read_session(engine) as session:
        due, strays = _due(session, now, at, default_tz)
    if not due:
        return DigestResult()
    counts: Counter[str] = Counter()
    with write_session(engine) as session:
        won = [(zone, week) for key, (zone, week) in sorted(due.items()) if store.mark(session=session, key=key, now=now)]
        for week in sorted({week for _, week in won}):
            zones = {zone for zone, w in won if w == week}
            counts.update(_send(session, now, week, zones, default_tz, strays, lang))
    if won:
        _LOGGER.info("weekly digests for %s: %s", ", ".join(f"{z} ({w})" for z, w in won), dict(counts))
    return DigestResult(zones=len(won), **counts)


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _due(session: Session, now: datetime, at: DigestTime, default_tz: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Unmarked zones past their digest time this week ({mark key: (zone, week)}), and the
    unreadable zones people have (they get the default zone's digest)."""
    if _zone(default_tz) is None:
        raise ValueError(f"not a time zone: {default_tz!r}")
    stored = [z for z in store.zones(session=session) if z is not None]
    strays = [z for z in stored if _zone(z) is None]
    due = {}
    for name in {default_tz, *stored} - set(strays):
        week, moment = week_and_moment(now, cast(ZoneInfo, _zone(name)), at)
        if now >= moment:
            due[f"digest:{week}:{name}"] = (name, week)
    done = store.marked(session=session, keys=list(due)) if due else set()
    return {key: value for key, value in due.items() if key not in done}, strays


def week_and_moment(now: datetime, zone: ZoneInfo, at: DigestTime) -> tuple[str, datetime]:
    """The ISO week `now` falls in there ('2030-W10'), and that week's digest moment."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    moment = datetime.combine(monday + timedelta(days=at.weekday), at.at, tzinfo=zone)
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}", moment


def _send(session: Session, now: datetime, week: str, zones: set[str], default_tz: str, strays: list[str],
          lang: str) -> Counter[str]:
    """Write one week's digests for these zones; people without a readable zone go with the default's."""
    with_default = default_tz in zones
    names = sorted(zones) + (strays if with_default else [])
    messages = _poc_digests(session, week, names, with_default, lang)
    messages += _manager_digests(session, now, week, names, with_default, lang)
    if with_default:  # channels have no zone of their own
        messages += _channel_digests(session, now, week, lang)
    outbox.add(session=session, messages=messages, now=now)
    return Counter(m.kind.removeprefix("digest_") for m in messages)


def _message(kind: str, week: str, platform: str, address: str, payload: dict[str, Any]) -> NewMessage:
    return NewMessage(f"digest:{kind}:{week}", f"digest_{kind}", platform, address, payload)


# person_address and person_payload read only ids, name and email, which a Recipient has.
def _address(person: Recipient) -> tuple[str, str]:
    return person_address(cast(Person, person))


def _person(person: Recipient | None) -> dict | None:
    return person_payload(cast(Person, person))


def _poc_digests(session: Session, week: str, names: list[str], with_none: bool, lang: str) -> list[dict]:
    messages: list[dict] = []
    current: dict[str, Any] = {}
    for row in store.waiting(session=session, names=names, with_none=with_none, per_person=POC_LIMIT):
        if not current or current["person"]["id"] != row.assignee.id:
            current = {"lang": lang, "week": week, "person": _person(row.assignee), "count": row.total, "inquiries": []}
            messages.append(_message("poc", week, *_address(row.assignee), current))
        current["inquiries"].append({
            "id": row.inquiry_id, "topic": row.topic, "question": shorten(row.question, QUESTION_DISPLAY),
            "asked_at": as_utc(row.created_at).isoformat(),
            "asker": {"platform": row.asker_platform, "user_id": row.asker_user_id, "person": _person(row.asker)},
        })
    return messages


def _manager_digests(session: Session, now: datetime, week: str, names: list[str], with_none: bool,
                     lang: str) -> list[dict]:
    """Listed managers: no-POC lookups in the subtrees they manage, and the top unknown ones."""
    since = now - WEEK
    no_poc = store_stats.no_poc_questions(session=session, since=since)[:NO_POC_TOPICS]
    unknown = [{"query": q, "n": n} for q, n in top_unknown(store_stats.unknown_questions(session=session, since=since))]
    managed = store.managers(session=session, names=names, with_none=with_none) if no_poc or unknown else {}
    if not managed:
        return []
    ids = [topic_id for topic_id, _ in no_poc]
    lineage, topic_names = store.lineages(session=session, topic_ids=ids), store_stats.topic_names(session=session, ids=ids)
    messages = []
    for person, topics in sorted(managed.items()):
        theirs = [(topic_id, n) for topic_id, n in no_poc if lineage[topic_id] & topics]
        if not theirs and not unknown:
            continue  # an empty digest is not sent
        payload = {"lang": lang, "week": week, "person": _person(person), "unknown": unknown,
                   "no_poc": [{"topic": topic_names.get(i, "?"), "topic_id": i, "n": n} for i, n in theirs[:GAP_LIMIT]],
                   "no_poc_more": max(0, len(theirs) - GAP_LIMIT)}
        messages.append(_message("manager", week, *_address(person), payload))
    return messages


def _channel_digests(session: Session, now: datetime, week: str, lang: str) -> list[dict]:
    """Each subscribed channel: the changes announced in the last 7 days that it heard about.

    A topic's own channel is not sent one (it heard each change as it happened) unless it
    subscribed, as channels do to get the digest.
    """
    channels = store.subscribed_channels(session=session)
    changes = store.announced_changes(session=session, since=now - WEEK, until=now) if channels else []
    if not changes:
        return []
    people = by_ids(session=session, ids=sorted({i for c in changes for i in (c.person_id, c.previous_person_id) if i}))
    heard: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    entries: dict[tuple[str, str], list[dict]] = {}
    for change in changes:
        if change.topic_id not in heard:
            heard[change.topic_id] = _hearers(session, change.topic_id, channels)
        name, hearers = heard[change.topic_id]
        entry = {"topic": name, "topic_id": change.topic_id, "change": change.kind,
                 "person": person_payload(people.get(change.person_id)),
                 "previous": person_payload(people.get(change.previous_person_id)),
                 "effective_at": as_utc(change.effective_at).isoformat()}
        for channel in hearers:
            entries.setdefault(channel, []).append(entry)
    return [_message("channel", week, platform, address,
                     {"lang": lang, "week": week, "changes": found[:CHANGE_LIMIT], "count": len(found)})
            for (platform, address), found in sorted(entries.items())]


def _hearers(session: Session, topic_id: int, channels: set[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """The topic's name, and the subscribed channels among those that hear about it."""
    topic = topic_store.get(session=session, topic_id=topic_id)
    if topic is None:
        return "?", []
    return topic.name, [c for c in hearing_channels(session, topic) if c in channels]


def render_digest(kind: str, payload: dict[str, Any], style: Style = PLAIN) -> str:
    """A digest's text, from its neutral payload (bot.notices.render_notice calls this)."""
    lang = payload.get("lang", "en")
    render = {"digest_poc": _poc_text, "digest_channel": _channel_text}.get(kind, _manager_text)
    return "\n".join(render(payload, style, lang))


def _poc_text(payload: dict[str, Any], style: Style, lang: str) -> list[str]:
    items = payload.get("inquiries") or []
    lines = [t(lang, "digest_poc_title", n=payload.get("count", len(items)))]
    lines += [t(lang, "digest_poc_line", topic=style.escape(item.get("topic", "")),
                asker=_asker(item.get("asker") or {}, style, lang), when=str(item.get("asked_at", ""))[:10],
                question=style.escape(item.get("question", ""))) for item in items]
    return lines + _more(lang, payload.get("count", 0) - len(items))


def _channel_text(payload: dict[str, Any], style: Style, lang: str) -> list[str]:
    items = payload.get("changes") or []
    lines = [t(lang, "digest_channel_title")]
    lines += [t(lang, CHANGE_LINES[item["change"]], topic=style.escape(item.get("topic", "")),
                person=_mention(item.get("person"), style, lang), previous=_mention(item.get("previous"), style, lang),
                when=str(item.get("effective_at", ""))[:10]) for item in items if item.get("change") in CHANGE_LINES]
    return lines + _more(lang, payload.get("count", 0) - len(items))


def _manager_text(payload: dict[str, Any], style: Style, lang: str) -> list[str]:
    lines = [t(lang, "digest_manager_title")]
    if payload.get("no_poc"):
        lines.append(t(lang, "digest_manager_no_poc"))
        lines += [t(lang, "stats_gap_no_poc", topic=style.escape(g["topic"]), n=g["n"]) for g in payload["no_poc"]]
        lines += _more(lang, payload.get("no_poc_more", 0))
    if payload.get("unknown"):
        lines.append(t(lang, "digest_manager_unknown"))
        lines += [t(lang, "stats_gap_unknown", query=style.escape(g["query"]), n=g["n"]) for g in payload["unknown"]]
    return lines


def _more(lang: str, n: int) -> list[str]:
    return [t(lang, "digest_more", n=n)] if n > 0 else []


def _mention(data: dict[str, Any] | None, style: Style, lang: str) -> str:
    if not data:
        return t(lang, "nobody")
    return style.mention(PersonView(data["id"], data["name"], data["email"], data.get("slack_id"), data.get("teams_id")))


def _asker(asker: dict[str, Any], style: Style, lang: str) -> str:
    """The person who asked; a user outside the directory is still mentioned by id where the
    platform allows it (Slack)."""
    if asker.get("person"):
        return _mention(asker["person"], style, lang)
    stranger = stranger_view(asker.get("platform"), asker.get("user_id"))
    return style.mention(stranger) if stranger else t(lang, "someone")
