"""The platform-neutral bot: the one object every adapter talks to."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple
from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.i18n import detect_language
from bot.index_cache import IndexCache
from bot.inquiry_actions import InquiryAction
from bot.understanding.meaning import MODEL
from bot.understanding.text import storable
from bot.messages import Actor, Mention, Reply, ReplyKind, Request
from bot.nudges import NudgePolicy
from bot.parse import Command, parse
from bot.services import asking, people, teaching
from bot.services.assign import assign, unassign
from bot.services.context import Context
from bot.services.presence import away, back, choose_dm_platform
from bot.services.reports import history, mine
from bot.services.stats import WINDOW as STATS_WINDOW, stats
from bot.services.subscriptions import subscribe, unsubscribe
from bot.services.topics import topic_command
from bot.platforms import chat_platforms
from bot.question_log import QuestionLog
from bot.services.lookup import actions_for, answer_for, lookup
from store import inbound_events, inquiries, outbox, queries, questions
from store import people as person_store
from store.db import ping, read_session, write_session
from store.models import AssignmentKind, Inquiry, OutboxMessage, Person, Question, Role

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]
EVENT_LEASE = timedelta(seconds=60)
HOME_FAILED = 10  # deliveries given up, on an admin's home tab


class Handler(NamedTuple):
    """A directory command's service function, and whether its unit of work writes."""

    run: Callable[[Session, Context, str], Reply]
    writes: bool


def _writes(run: Callable[[Session, Context, str], Reply]) -> Handler:
    return Handler(run, writes=True)


def _reads(run: Callable[[Session, Context, str], Reply]) -> Handler:
    return Handler(run, writes=False)


# Directory commands by the name bot.parse gives them (the English word people type).
COMMANDS = {
    "assign": _writes(assign), "unassign": _writes(unassign), "topic": _writes(topic_command),
    "away": _writes(away), "back": _writes(back), "subscribe": _writes(subscribe),
    "unsubscribe": _writes(unsubscribe), "history": _reads(history), "mine": _reads(mine),
    "ask": _writes(asking.ask), "stats": _reads(stats), "notify": _writes(choose_dm_platform),
    "teach": _writes(teaching.teach), "forget": _writes(teaching.forget),
    **{action.value: _writes(asking.typed_action(action.value)) for action in InquiryAction},
}


def _by_email(command: Command, mentions: tuple[Mention, ...]) -> Command:
    """A command names a mentioned person by email where the platform's mention syntax
    is not one the command grammar reads (bot.commands.PERSON)."""
    argument = command.argument
    for mention in mentions:
        argument = argument.replace(mention.written, mention.email)
    return replace(command, argument=argument)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Home:
    """What a person sees on their home tab: what they hold and what they asked."""

    holds: list[tuple[str, AssignmentKind]]
    recent: list[tuple[datetime, str, str | None]]
    waiting: list[tuple[Inquiry, str]] = field(default_factory=list)  # for my answer: (inquiry, topic)
    asked: list[tuple[Inquiry, str, Person]] = field(default_factory=list)  # (inquiry, topic, assignee)
    failed: list[OutboxMessage] = field(default_factory=list)  # deliveries given up lately (admins only)


class Bot:
    """Holds the store and the topic index; adapters call it for every message.

    Its public surface, by what an adapter is doing:
    - starting: `warm`, `understanding_mode`, `ping` (the health check);
    - answering: `handle` (any message), `lookup` (`pocbot who`), `answer_topic` (a suggestion's
      button), `pick` (a close call's choice);
    - inquiries: `ask_topic` (the Ask form), `inquiry_action` (a button), `inquiry_thread` and
      `inquiry_reply` (a message in an inquiry's thread);
    - who is talking: `identify`, `link`, `home`;
    - bookkeeping of an inbound event: `claim_event`, `finish_event`, `record`, `flush`.
    The engine, clock and settings it holds are its own: entry points get theirs from the wiring
    (integrations/bootstrap.py), and adapters ask the bot, never its engine.
    """

    def __init__(
        self, engine: Engine, *, language: str = "en", clock: Clock = utc_now,
        admins: frozenset[str] = frozenset(), managers_manage_all: bool = False,
        nudge_policy: NudgePolicy = NudgePolicy(), semantic: bool = True, fallback_channel: str | None = None,
    ) -> None:
        self.engine = engine
        self.language = language
        self.clock = clock
        self.admins = frozenset(a.lower() for a in admins)
        self.managers_manage_all = managers_manage_all
        self.nudge_policy = nudge_policy
        self.fallback_channel = fallback_channel
        self.directory = IndexCache(semantic=semantic, engine=engine)
        self.questions = QuestionLog(engine)

    def warm(self) -> None:
        """Load the directory, its typo and word indexes and the model before the first question."""
        with read_session(self.engine) as session:
            self.directory.get(session=session).understanding.warm()

    def ping(self) -> None:
        """Raise unless the store answers (GET /healthz)."""
        ping(self.engine)

    def understanding_mode(self) -> str:
        """How questions are read, for the start-up line: by meaning too, or by words alone and why."""
        if not self.directory.semantic:
            return "names and words only (POCBOT_SEMANTIC=off)"
        encoder = MODEL.get()
        if encoder is None:
            return f"names and words only: the model did not load ({MODEL.error})"
        return f"names, words and meaning ({encoder.name})"

    def handle(self, request: Request) -> Reply:
        """Answer a message; a failure becomes a polite error reply, never a traceback."""
        lang = detect_language(request.text, self.language)
        try:
            command = parse(request.text)
            if command.name in COMMANDS:
                request = request.learn(request) if request.learn else request
                command = _by_email(command, request.mentions)
                return self._command(command, request, lang)
            return self._run(command, lang)
        except Exception:
            _LOGGER.exception("failed to answer a %s message", request.actor.platform)
            return Reply(ReplyKind.error, lang)

    def lookup(self, question: str, *, at: datetime | None = None) -> Reply:
        """Answer a lookup directly (the `pocbot who` command), optionally as of a date."""
        question = storable(question)
        lang = detect_language(question, self.language)
        return self._safe(lang, lambda: self._run(parse(question), lang, at=at))

    def answer_topic(self, topic_id: int, *, lang: str | None = None) -> Reply:
        """The answer for a topic picked from suggestions (a button carries its id)."""
        lang = lang or self.language
        with read_session(self.engine) as session:
            snapshot = self.directory.get(session=session)
            if topic_id not in snapshot.topics:
                return Reply(ReplyKind.unknown, lang, query=str(topic_id))
            answer = answer_for(topic_id, session=session, snapshot=snapshot, now=self.clock())
        return Reply(ReplyKind.answer, lang, answer=answer, query=answer.topic, actions=actions_for(answer))

    def pick(self, actor: Actor, topic_id: int, question: str, *, lang: str | None = None) -> Reply:
        """A topic picked from a close call: its answer; the question, if it really offered the topic,
        is kept as a phrasing of it (so the next person who asks that way gets a sure answer)."""
        lang, question = lang or self.language, storable(question)

        def work() -> Reply:
            with read_session(self.engine) as session:  # understanding outside the write lock
                was_offered = teaching.offered_topics(question, self.directory.get(session=session))
            return self._unit(actor, lang, lambda s, ctx: teaching.pick(s, ctx, topic_id, question, was_offered),
                              writes=True)

        return self._safe(lang, work)

    def identify(self, actor: Actor) -> Actor:
        with read_session(self.engine) as session:
            return people.identify(actor, session=session)

    def link(self, actor: Actor, email: str) -> Actor:
        with write_session(self.engine) as session:
            return people.link(actor, email, session=session)

    def record(self, actor: Actor, text: str, reply: Reply) -> None:
        """Note a lookup for the history and the gaps report; written by flush(), in batches."""
        if reply.kind not in (ReplyKind.answer, ReplyKind.suggestions, ReplyKind.unknown):
            return
        answer = reply.answer
        outcome = "no_poc" if answer and answer.primary is None else reply.kind.value
        self.questions.add(Question(
            asked_at=self.clock(), platform=actor.platform, user_id=actor.user_id,
            person_id=actor.person_id, text=storable(text)[:300], topic_id=answer.topic_id if answer else None,
            outcome=outcome,
        ))

    def flush(self) -> int:
        """Write the lookups noted since the last flush (servers call it every second)."""
        return self.questions.flush()

    def home(self, actor: Actor) -> Home:
        self.flush()
        with read_session(self.engine) as session:
            holds, waiting = [], []
            if actor.person_id is not None:
                rows = queries.held_by(session=session, person_id=actor.person_id, at=self.clock())
                holds = [(name, kind) for _, name, kind in rows]
                waiting = inquiries.waiting_for(session=session, person_id=actor.person_id)
            recent = questions.recent(session=session, platform=actor.platform, user_id=actor.user_id)
            asked = inquiries.asked_by(session=session, platform=actor.platform, user_id=actor.user_id,
                                       person_id=actor.person_id)
            failed = self._given_up(session, actor)
        return Home(holds, recent, waiting, asked, failed)

    def _given_up(self, session: Session, actor: Actor) -> list[OutboxMessage]:
        """Admins see the deliveries given up lately on their home tab."""
        person = person_store.get(session=session, person_id=actor.person_id) if actor.person_id is not None else None
        if person is None or not (person.email.lower() in self.admins or Role(person.role) is Role.admin):
            return []
        return outbox.given_up(session=session, since=self.clock() - STATS_WINDOW, limit=HOME_FAILED)[1]

    def claim_event(self, platform: str, event_id: str) -> bool:
        """True when this process should handle the event (not a duplicate in progress or done)."""
        with write_session(self.engine) as session:
            return inbound_events.claim(
                session=session, platform=platform, event_id=event_id, now=self.clock(), lease=EVENT_LEASE
            )

    def finish_event(self, platform: str, event_id: str, *, ok: bool) -> None:
        """Done events are marked with the question log's next flush (batched, the claim's
        lease covers the wait); a failed one is released at once, for the platform's retry."""
        if ok:
            self.questions.event_done(platform, event_id)
            return
        with write_session(self.engine) as session:
            inbound_events.release(session=session, platform=platform, event_id=event_id, now=self.clock())

    def ask_topic(self, actor: Actor, topic_id: int, question: str, *, lang: str | None = None,
                  channel: str | None = None) -> Reply:
        """Put a question to a topic's POC (the Ask button's form): an inquiry is opened."""
        question = storable(question)
        lang = lang or detect_language(question, self.language)
        return self._safe(lang, lambda: self._unit(
            actor, lang, lambda s, ctx: asking.ask_topic(s, ctx, topic_id, question), writes=True, channel=channel))

    def inquiry_action(self, actor: Actor, inquiry_id: int, action: str, *, lang: str | None = None) -> Reply:
        """A button on an inquiry: action names an InquiryAction ("answered"); anything else is refused."""
        lang = lang or self.language
        return self._safe(lang, lambda: self._unit(
            actor, lang, lambda s, ctx: asking.inquiry_action(s, ctx, inquiry_id, action), writes=True))

    def inquiry_thread(self, platform: str, conversation: str, thread: str | None) -> bool:
        """Whether an inquiry waits in this conversation (a cheap read, before any write)."""
        with read_session(self.engine) as session:
            found = inquiries.in_thread(session=session, platform=platform, conversation=conversation, thread=thread)
            return found is not None

    def inquiry_reply(self, actor: Actor, conversation: str, thread: str | None) -> bool:
        """A message in a conversation: True when it answered the inquiry of that thread."""
        if not self.inquiry_thread(actor.platform, conversation, thread):
            return False
        return bool(self._unit(actor, self.language, lambda s, ctx: asking.reply_in_thread(
            s, ctx, actor.platform, conversation, thread), writes=True, channel=conversation))

    def _safe(self, lang: str, work: Callable[[], Reply]) -> Reply:
        try:
            return work()
        except Exception:
            _LOGGER.exception("failed to answer a request")
            return Reply(ReplyKind.error, lang)

    def _command(self, command: Command, request: Request, lang: str) -> Reply:
        """A directory command, in one unit of work: all of it happens, or none of it."""
        handler = COMMANDS[command.name]
        if command.name == "stats":
            self.flush()  # the lookups noted since the last flush count too
        return self._unit(request.actor, lang, lambda session, ctx: handler.run(session, ctx, command.argument),
                          writes=handler.writes, channel=request.channel)

    def _unit(self, actor: Actor, lang: str, work: Callable[[Session, Context], Any], *, writes: bool,
              channel: str | None = None) -> Any:
        """One unit of work for a request: a session (a write transaction when `writes`), the
        directory snapshot and the request's Context, handed to `work`."""
        opener = write_session if writes else read_session
        with opener(self.engine) as session:
            snapshot = self.directory.get(session=session)
            ctx = Context(
                actor=actor, person=people.person_of(actor, session=session), lang=lang,
                now=self.clock(), channel=channel, snapshot=snapshot, admins=self.admins,
                managers_manage_all=self.managers_manage_all, policy=self.nudge_policy, clock=self.clock,
            )
            person = ctx.person  # noted only when it moved: the UPDATE would change nothing
            if (writes and person is not None and person.last_platform != actor.platform
                    and actor.platform in chat_platforms()):
                person_store.note_platforms(session=session, last={person.id: actor.platform})
                self.questions.forget_platform(person.id)
            return work(session, ctx)

    def _run(self, command: Command, lang: str, at: datetime | None = None) -> Reply:
        if command.name == "help":
            return Reply(ReplyKind.help, lang)
        if command.name in ("empty", "too_long"):
            return Reply(ReplyKind.usage, lang, note=command.name)
        with read_session(self.engine) as session:
            snapshot = self.directory.get(session=session)
            now = at or self.clock()
            return lookup(command.text or command.argument, session=session, snapshot=snapshot, lang=lang, now=now,
                          fallback=self.fallback_channel)
