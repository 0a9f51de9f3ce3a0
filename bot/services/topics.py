"""Topic commands: add, alias, rename, remove (removed topics keep their history)."""
from __future__ import annotations

import re

from sqlmodel import Session

from bot.commands import split_reason, two_names
from bot.messages import Reply
from bot.permissions import may_change
from bot.services.assign import refuse
from bot.services.context import Context, done, find_topic, invalid
from bot.durations import human
from bot.understanding.text import topic_key
from bot.working_hours import parse_duration
from store import limits, topics
from store.directory import audit, bump_version
from store.limits import fits
from store.models import TopicPolicy

_PARENT = re.compile(r"\s+(?:parent|under|padre|bajo)\s+", re.IGNORECASE)
_SETTING = re.compile(
    r"\s+(after|every|max|ask\s+in|default)\b(?:\s+(?!(?:after|every|max|ask|default)\b)(\S+))?", re.IGNORECASE)


def topic_command(session: Session, ctx: Context, text: str) -> Reply:
    verb, _, rest = text.strip().partition(" ")
    handler = _VERBS.get(verb.lower())
    if handler is None:
        return invalid(ctx, "usage_topic")
    body, reason = split_reason(rest)
    return handler(session, ctx, body.strip(), reason)


def _add(session: Session, ctx: Context, body: str, reason: str) -> Reply:
    name, _, parent_name = (p.strip() for p in _split_parent(body))
    if not topic_key(name):
        return invalid(ctx, "usage_topic")
    if too_long := _too_long(ctx, name):
        return too_long
    parent_id = None
    if parent_name:
        parent_id, problem = find_topic(ctx, parent_name)
        if problem:
            return problem
    if not may_change(session, ctx, parent_id):
        return refuse(session, ctx, "topic.add", parent_id, body)
    if topics.key_taken(session=session, key=topic_key(name)):
        return invalid(ctx, "name_taken", name=name)
    topic = topics.add(session=session, name=name, key=topic_key(name), parent_id=parent_id, now=ctx.now)
    _changed(session, ctx, "topic.add", topic.id, None, {"name": name, "parent_id": parent_id}, reason)
    return done(ctx, "topic_added", topic=name)


def _allowed_pair(session: Session, ctx: Context, body: str, action: str,
                  separator: str | None = None) -> tuple[int, str] | Reply:
    """'<topic> <new name>' parsed, the topic found, the change allowed: (topic id, new name)."""
    names = two_names(body, separator)
    if names is None:
        return invalid(ctx, "usage_topic")
    topic_id, problem = find_topic(ctx, names[0])
    if problem:
        return problem
    if not may_change(session, ctx, topic_id):
        return refuse(session, ctx, action, topic_id, body)
    return topic_id, names[1].strip()


def _alias(session: Session, ctx: Context, body: str, reason: str) -> Reply:
    found = _allowed_pair(session, ctx, body, "topic.alias")
    if isinstance(found, Reply):
        return found
    topic_id, alias = found
    key = topic_key(alias)
    if too_long := _too_long(ctx, alias):
        return too_long
    if not key or topics.key_taken(session=session, key=key):
        return invalid(ctx, "name_taken", name=alias)
    topics.add_alias(session=session, topic_id=topic_id, alias=alias, key=key)
    _changed(session, ctx, "topic.alias", topic_id, None, {"alias": alias}, reason)
    return done(ctx, "alias_added", alias=alias, topic=ctx.snapshot.topics[topic_id].name)


def _rename(session: Session, ctx: Context, body: str, reason: str) -> Reply:
    found = _allowed_pair(session, ctx, body, "topic.rename", separator="to|a")
    if isinstance(found, Reply):
        return found
    topic_id, new_name = found
    key = topic_key(new_name)
    if too_long := _too_long(ctx, new_name):
        return too_long
    topic = topics.get(session=session, topic_id=topic_id)
    if not key or (key != topic.key and topics.key_taken(session=session, key=key)):
        return invalid(ctx, "name_taken", name=new_name)
    before = topic.name
    topics.rename(session=session, topic=topic, name=new_name, key=key)
    _changed(session, ctx, "topic.rename", topic_id, {"name": before}, {"name": topic.name}, reason)
    return done(ctx, "topic_renamed", before=before, topic=topic.name)


def _remove(session: Session, ctx: Context, body: str, reason: str) -> Reply:
    topic_id, problem = find_topic(ctx, body)
    if problem:
        return problem
    if not may_change(session, ctx, topic_id):
        return refuse(session, ctx, "topic.remove", topic_id, body)
    children = [t.name for t in ctx.snapshot.topics.values() if t.parent_id == topic_id]
    if children:
        return invalid(ctx, "topic_has_children", topic=ctx.snapshot.topics[topic_id].name, children=children[:5])
    topic = topics.get(session=session, topic_id=topic_id)
    topics.remove(session=session, topic=topic, now=ctx.now)
    _changed(session, ctx, "topic.remove", topic_id, {"name": topic.name}, None, reason)
    return done(ctx, "topic_removed", topic=topic.name)


def _policy(session: Session, ctx: Context, body: str, reason: str) -> Reply:
    """`topic nudges <topic> [after 2h] [every 1d] [max 3] [ask in channel|dm]`, or `... default`."""
    padded = " " + body
    first = _SETTING.search(padded)
    if first is None:
        return invalid(ctx, "usage_topic_nudges")
    topic_id, problem = find_topic(ctx, padded[: first.start()])
    if problem:
        return problem
    if not may_change(session, ctx, topic_id):
        return refuse(session, ctx, "topic.nudges", topic_id, body)
    row = topics.policy(session=session, topic_id=topic_id) or TopicPolicy(topic_id=topic_id)
    before = row.model_dump()
    draft = TopicPolicy(**before)  # worked on apart: a bad setting leaves the stored row untouched
    problem = _apply_settings(ctx, draft, _SETTING.findall(padded[first.start():]), ctx.snapshot.topics[topic_id].channel)
    if problem:
        return problem
    topics.save_policy(session=session, row=row, values=draft.model_dump())
    _changed(session, ctx, "topic.nudges", topic_id, before, row.model_dump(), reason)
    return _policy_reply(ctx, row, ctx.snapshot.topics[topic_id].name)


def _apply_settings(ctx: Context, row: TopicPolicy, settings: list[tuple[str, str]], channel: str | None) -> Reply | None:
    for name, value in settings:
        name = name.lower().split()[0]
        try:
            if name == "default":
                row.nudge_after_minutes = row.nudge_every_minutes = row.max_nudges = row.ask_in = None
            elif name in ("after", "every"):
                minutes = int(parse_duration(value).total_seconds() // 60)
                if name == "every" and minutes < 1:
                    raise ValueError(value)
                setattr(row, f"nudge_{name}_minutes", minutes)
            elif name == "max":
                row.max_nudges = int(value) if value.isdigit() and int(value) <= 10 else _bad(value)
            elif value.lower() not in ("channel", "dm"):
                raise ValueError(value)
            elif value.lower() == "channel" and not channel:
                return invalid(ctx, "topic_no_channel")
            else:
                row.ask_in = value.lower()
        except ValueError:
            return invalid(ctx, "bad_nudge_setting", text=f"{name} {value}".strip())
    return None


def _bad(value: str) -> int:
    raise ValueError(value)


def _policy_reply(ctx: Context, row: TopicPolicy, topic: str) -> Reply:
    policy = ctx.policy.for_topic(row)
    return done(ctx, f"topic_nudges_set_{row.ask_in or 'dm'}", topic=topic, after=human(policy.nudge_after),
                every=human(policy.nudge_every), max=policy.max_nudges)


def _too_long(ctx: Context, name: str) -> Reply | None:
    """Refused rather than cut: a cut name would not match the file it is exported to."""
    if fits(name, limits.TOPIC_NAME, topic_key):
        return None
    return invalid(ctx, "name_too_long", length=max(len(name), len(topic_key(name))), limit=limits.TOPIC_NAME)


def _split_parent(body: str) -> tuple[str, str, str]:
    parts = _PARENT.split(body, maxsplit=1)
    return (parts[0], " ", parts[1]) if len(parts) == 2 else (body, "", "")


def _changed(session: Session, ctx: Context, action: str, topic_id: int, before: object, after: object, reason: str) -> None:
    audit(session=session, actor=ctx.who, action=action, now=ctx.now, reason=reason, topic_id=topic_id, before=before, after=after)
    bump_version(session=session)


_VERBS = {
    "add": _add, "new": _add, "crear": _add, "nuevo": _add,
    "alias": _alias,
    "rename": _rename, "renombrar": _rename,
    "remove": _remove, "delete": _remove, "borrar": _remove, "eliminar": _remove,
    "nudges": _policy, "reminders": _policy, "avisos": _policy, "recordatorios": _policy,
}
