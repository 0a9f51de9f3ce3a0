"""teach / forget: phrasings that mean a topic, kept as evidence for understanding."""
from __future__ import annotations

import re

from sqlmodel import Session

from bot.messages import Reply, ReplyKind
from bot.services.lookup import actions_for, answer_for
from bot.understanding.calibration import MAX_CHOICES
from bot.understanding.pipeline import understand
from bot.permissions import may_change
from bot.services.assign import refuse
from bot.services.context import Context, done, find_topic, invalid
from bot.understanding.text import clean_input, fold
from bot.understanding.vocabulary import content_words
from store import examples
from store.directory import audit, bump_version

MAX_EXAMPLE = 300
# A quoted phrasing, then (for teach) the topic: teach "docking station" Hardware
_QUOTED = re.compile(r"^\s*[\"“”'‘’«](?P<phrase>[^\"“”'‘’«»]+)[\"“”'‘’»]\s*(?P<rest>.*)$", re.DOTALL)


def quoted(text: str) -> tuple[str, str] | None:
    """('docking station', 'Hardware') from '"docking station" Hardware'."""
    found = _QUOTED.match(text or "")
    return (found["phrase"].strip(), found["rest"].strip()) if found else None


def teach(session: Session, ctx: Context, text: str) -> Reply:
    parsed = quoted(text)
    if parsed is None or not parsed[1]:
        return invalid(ctx, "usage_teach")
    phrase, topic_name = parsed
    problem = _bad_phrase(ctx, phrase)
    if problem:
        return problem
    topic_id, missing = find_topic(ctx, topic_name)
    if missing:
        return missing
    if not may_change(session, ctx, topic_id):
        return refuse(session, ctx, "topic.teach", topic_id, text)
    topic = ctx.snapshot.topics[topic_id].name
    if not remember(session, ctx, topic_id, phrase, "taught"):
        return invalid(ctx, "teach_known", phrase=phrase, topic=topic)
    return done(ctx, "taught", phrase=phrase, topic=topic)


def remember(session: Session, ctx: Context, topic_id: int, phrase: str, source: str) -> bool:
    """Keep a phrasing for a topic, with its audit entry; False when it was known already."""
    phrase = clean_input(phrase, MAX_EXAMPLE)
    if not examples.add(session=session, topic_id=topic_id, text=phrase, key=fold(phrase), source=source,
                        actor=ctx.who, now=ctx.now):
        return False
    audit(session=session, actor=ctx.who, action=f"topic.{source}", now=ctx.now, topic_id=topic_id,
          after={"example": phrase})
    bump_version(session=session)
    return True


def pick(session: Session, ctx: Context, topic_id: int, question: str) -> Reply:
    """Answer the picked topic; a directory person's pick among the offered choices teaches it."""
    snapshot = ctx.snapshot
    if topic_id not in snapshot.topics:
        return Reply(ReplyKind.unknown, ctx.lang, query=str(topic_id))
    question = clean_input(question, MAX_EXAMPLE)
    offered = understand(question, snapshot.understanding).candidates if question else ()
    if ctx.person is not None and any(c.topic_id == topic_id for c in offered[:MAX_CHOICES]):
        remember(session, ctx, topic_id, question, "picked")
    answer = answer_for(topic_id, session=session, snapshot=snapshot, now=ctx.now)
    return Reply(ReplyKind.answer, ctx.lang, answer=answer, query=answer.topic, actions=actions_for(answer))


def forget(session: Session, ctx: Context, text: str) -> Reply:
    parsed = quoted(text)
    if parsed is None:
        return invalid(ctx, "usage_forget")
    phrase, topic_name = parsed
    topic_id = None
    if topic_name:
        topic_id, missing = find_topic(ctx, topic_name)
        if missing:
            return missing
    known = examples.holders(session=session, key=fold(phrase), topic_id=topic_id)
    if not known:
        return invalid(ctx, "forget_unknown", phrase=phrase)
    barred = next((t for t in known if not may_change(session, ctx, t)), None)
    if barred is not None:
        return refuse(session, ctx, "topic.forget", barred, text)
    examples.remove(session=session, key=fold(phrase), topic_ids=known)
    for topic in known:
        audit(session=session, actor=ctx.who, action="topic.forget", now=ctx.now, topic_id=topic,
              before={"example": phrase})
    bump_version(session=session)
    names = [ctx.snapshot.topics[t].name for t in known if t in ctx.snapshot.topics]
    return done(ctx, "forgotten", phrase=phrase, topics=names)


def _bad_phrase(ctx: Context, phrase: str) -> Reply | None:
    if len(phrase) > MAX_EXAMPLE:
        return invalid(ctx, "teach_too_long", limit=MAX_EXAMPLE)
    if not content_words(phrase):
        return invalid(ctx, "usage_teach")
    return None
