"""Channels that hear about changes: to a topic (and what lies under it), a tag, or all."""
from __future__ import annotations

from sqlmodel import Session

from bot.messages import Reply
from bot.services.context import Context, done, find_topic, invalid
from store import subscriptions, topics

_ALL = {"all", "everything", "todo", "todos"}


def subscribe(session: Session, ctx: Context, text: str) -> Reply:
    target = _target(session, ctx, text)
    if isinstance(target, Reply):
        return target
    kind, value, label = target
    subscriptions.add(session=session, platform=ctx.actor.platform, channel=ctx.channel, kind=kind, target=value,
                      actor=ctx.who, now=ctx.now)
    return done(ctx, "subscribed", target=label)


def unsubscribe(session: Session, ctx: Context, text: str) -> Reply:
    if not text.strip():
        if not ctx.channel:
            return invalid(ctx, "channel_only")
        subscriptions.remove_all(session=session, platform=ctx.actor.platform, channel=ctx.channel)
        return done(ctx, "unsubscribed_all")
    target = _target(session, ctx, text)
    if isinstance(target, Reply):
        return target
    kind, value, label = target
    subscriptions.remove(session=session, platform=ctx.actor.platform, channel=ctx.channel, kind=kind, target=value)
    return done(ctx, "unsubscribed", target=label)


def _target(session: Session, ctx: Context, text: str) -> tuple[str, str, str] | Reply:
    if not ctx.channel or ctx.actor.platform == "console":
        return invalid(ctx, "channel_only")
    words = text.strip()
    if words.lower() in _ALL:
        return "all", "", words
    if words.lower().startswith(("tag ", "tag:", "#")):
        tag = words.split(":", 1)[-1].split(" ", 1)[-1].lstrip("#").strip().lower()
        if not topics.tag_known(session=session, tag=tag):
            return invalid(ctx, "tag_unknown", tag=tag)
        return "tag", tag, f"#{tag}"
    topic_id, problem = find_topic(ctx, words)
    if problem:
        return problem
    return "topic", str(topic_id), ctx.snapshot.topics[topic_id].name

