"""teach / forget: phrasings that mean a topic, kept as evidence for understanding."""
from __future__ import annotations

import re

from sqlmodel import Session

from bot.messages import Reply, ReplyKind
from bot.services.lookup import actions_for, answer_for
from bot.index_cache import Snapshot
from bot.understanding.decision import Verdict
from bot.understanding.pipeline import understand
from bot.permissions import may_change
from bot.services.assign import refuse
from bot.services.context import Context, done, find_topic, invalid
from bot.understanding.text import clean_input, fold
from bot.understanding.vocabulary import content_words
from store import examples, limits
from store.directory import audit, bump_version

MAX_EXAMPLE = limits.EXAMPLE
# A quoted phrasing, then (for teach) the topic: teach "docking station" Hardware. Each opening
# quote has its own closing one, so "who's on payroll" keeps its apostrophe.
_QUOTED = re.compile(r'^\s*(?:"(?P<a>[^"]+)"|“(?P<b>[^”]+)”|«(?P<c>[^»]+)»|\'(?P<d>[^\']+)\'(?!\w))\s*(?P<rest>.*)$',
                     re.DOTALL)


def quoted(text: str) -> tuple[str, str] | None:
    """('docking station', 'Hardware') from '"docking station" Hardware'."""
    found = _QUOTED.match(text or "")
    if not found:
        return None
    phrase = found["a"] or found["b"] or found["c"] or found["d"] or ""
    return phrase.strip(), found["rest"].strip()


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
    taken = _taken_by(session, ctx, phrase, topic_id)
    if taken is not None:
        return invalid(ctx, "teach_taken", phrase=phrase, topic=taken)
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


def offered_topics(question: str, snapshot: Snapshot) -> tuple[int, ...]:
    """The topics a close call (or a "nothing" with related topics) offered for this question."""
    question = clean_input(question, MAX_EXAMPLE)
    if not question:
        return ()
    decision = understand(question, snapshot.understanding)
    if decision.verdict is Verdict.sure:
        return ()
    return tuple(c.topic_id for c in decision.candidates[: decision.offered])


def pick(session: Session, ctx: Context, topic_id: int, question: str, was_offered: tuple[int, ...]) -> Reply:
    """Answer the picked topic; a directory person's pick among the offered choices teaches it.
    (`was_offered` is worked out before the write transaction: understanding may build indexes.)"""
    snapshot = ctx.snapshot
    if topic_id not in snapshot.topics:
        return Reply(ReplyKind.usage, ctx.lang, note="empty")  # a removed topic, or a forged button
    if ctx.person is not None and topic_id in was_offered:
        remember(session, ctx, topic_id, clean_input(question, MAX_EXAMPLE), "picked")
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
    if len(phrase) > MAX_EXAMPLE or len(fold(phrase)) > MAX_EXAMPLE:
        return invalid(ctx, "teach_too_long", limit=MAX_EXAMPLE)
    if ";" in phrase:  # the list separator of a CSV export
        return invalid(ctx, "teach_semicolon")
    if not content_words(phrase):
        return invalid(ctx, "usage_teach")
    return None


def _taken_by(session: Session, ctx: Context, phrase: str, topic_id: int) -> str | None:
    """Another topic's name, alias or taught phrasing is not taught to this one: its name."""
    named = ctx.snapshot.index.exact(phrase)
    holders = examples.holders(session=session, key=fold(phrase))
    other = next((t for t in ([named] if named is not None else []) + holders if t != topic_id), None)
    if other is None:
        return None
    return ctx.snapshot.topics[other].name if other in ctx.snapshot.topics else "?"
