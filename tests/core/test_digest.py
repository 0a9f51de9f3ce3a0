"""The weekly digest: at the digest time in each zone, once per ISO week, whoever runs it.

The demo organisation (tests/harness.py): hiro is in Tokyo, bob and carol in New York,
alice (who manages Finance) in Madrid, luis (who manages Legal) in Mexico City. The week
before 2030-03-04 (a Monday) is settled first, so each test sees only its own week.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.digest import DigestTime, check_config, parse_digest_time, render_digest, run_digests
from bot.jobs import run_due
from bot.notices import render_notice
from integrations.slack.render import STYLE
from store.db import read_session, write_session
from store.models import DirectoryChange, Inquiry, JobMark, OutboxMessage, Person, Question, Subscription, Topic
from tests.harness import load_demo, race

UTC = timezone.utc
TOKYO_9 = datetime(2030, 3, 4, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo; Sunday 19:00 in New York
NEW_YORK_9 = datetime(2030, 3, 4, 14, 0, tzinfo=UTC)
UTC_9 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def ids(engine: Engine) -> dict[str, int]:
    with read_session(engine) as session:
        found = {name: i for i, name in session.execute(select(Topic.id, Topic.name))}
        found |= {email.split("@")[0]: i for i, email in session.execute(select(Person.id, Person.email))}
    return found


@pytest.fixture
def demo(engine: Engine) -> Engine:
    """The demo, with last week's digests all done (there was nothing to send)."""
    load_demo(engine)
    assert run_digests(engine=engine, now=datetime(2030, 3, 3, 12, 0, tzinfo=UTC)).messages == 0
    return engine


def waiting(engine: Engine, assignee: str, count: int = 1, *, topic: str = "Payments",
            first: datetime = datetime(2030, 2, 20, tzinfo=UTC), status: str = "open") -> None:
    i = ids(engine)
    with write_session(engine) as session:
        session.add_all(Inquiry(
            topic_id=i[topic], asker_platform="slack", asker_user_id="U0GRACE", asker_person_id=i["grace"],
            question=f"Question {n} " + "and more " * 50, assignee_person_id=i[assignee],
            created_at=first + timedelta(hours=n), status=status,
        ) for n in range(count))


def outbox(engine: Engine) -> list[OutboxMessage]:
    with read_session(engine) as session:
        return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def sent(engine: Engine) -> list[tuple[str, str]]:
    return [(m.kind, m.address) for m in outbox(engine)]


def test_a_poc_in_tokyo_gets_it_at_nine_on_monday_there_and_new_york_later(demo):
    waiting(demo, "hiro")
    waiting(demo, "bob")

    assert run_digests(engine=demo, now=TOKYO_9 - MINUTE).messages == 0
    assert sent(demo) == []
    assert run_digests(engine=demo, now=TOKYO_9).poc == 1
    assert sent(demo) == [("digest_poc", "hiro@acme.test")]
    assert run_digests(engine=demo, now=NEW_YORK_9 - MINUTE).messages == 0
    assert run_digests(engine=demo, now=NEW_YORK_9).poc == 1
    assert sent(demo) == [("digest_poc", "hiro@acme.test"), ("digest_poc", "29:1bob")]
    assert outbox(demo)[1].dedupe_key == "digest:poc:2030-W10:teams:29:1bob"


def test_a_run_later_that_week_catches_up_once_and_the_next_week_comes_again(demo):
    waiting(demo, "hiro")
    thursday = TOKYO_9 + timedelta(days=3, hours=5)

    assert run_digests(engine=demo, now=thursday).poc == 1
    assert run_digests(engine=demo, now=thursday + timedelta(hours=1)).messages == 0
    assert run_digests(engine=demo, now=TOKYO_9 + timedelta(days=7)).poc == 1
    assert [m.dedupe_key for m in outbox(demo)] == [
        "digest:poc:2030-W10:console:hiro@acme.test", "digest:poc:2030-W11:console:hiro@acme.test"]


def test_a_second_run_and_a_second_replica_write_nothing_more(demo):
    waiting(demo, "hiro")
    waiting(demo, "bob")

    results = race(lambda: run_digests(engine=demo, now=NEW_YORK_9))

    assert sum(r.poc for r in results) == 2 and sorted(r.zones for r in results)[:-1] == [0] * (len(results) - 1)
    assert run_digests(engine=demo, now=NEW_YORK_9 + timedelta(hours=2)).messages == 0
    assert len(outbox(demo)) == 2
    with read_session(demo) as session:
        marks = set(session.execute(select(JobMark.key).where(JobMark.key.like("digest:2030-W10:%"))).scalars())
    assert {"digest:2030-W10:Asia/Tokyo", "digest:2030-W10:America/New_York", "digest:2030-W10:UTC"} <= marks


def test_a_pocs_digest_lists_the_oldest_ten_waiting_inquiries_and_counts_the_rest(demo):
    waiting(demo, "hiro", 12)
    waiting(demo, "hiro", 1, topic="Tax", first=datetime(2030, 2, 1, tzinfo=UTC), status="answered")
    waiting(demo, "hiro", 1, topic="Tax", first=datetime(2030, 2, 2, tzinfo=UTC), status="acknowledged")

    run_digests(engine=demo, now=TOKYO_9)

    [message] = outbox(demo)
    payload = message.payload
    assert payload["count"] == 13 and len(payload["inquiries"]) == 10
    assert [item["topic"] for item in payload["inquiries"][:2]] == ["Tax", "Payments"]
    assert payload["inquiries"][1]["question"].endswith("…") and len(payload["inquiries"][1]["question"]) <= 120
    text = render_notice(message, STYLE).splitlines()
    assert text[0] == "Your weekly digest: questions waiting for your answer (13), oldest first:"
    assert text[1].startswith("• *Tax*, from <@U0GRACE> on 2030-02-02: “Question 0 and more")
    assert text[-1] == "…and 3 more."


def test_people_without_a_readable_time_zone_get_the_default_zones_digest(demo):
    with write_session(demo) as session:
        session.execute(update(Person).where(Person.email == "hiro@acme.test").values(timezone=None))
        session.execute(update(Person).where(Person.email == "erin@acme.test").values(timezone="Mars/Olympus"))
    waiting(demo, "hiro")
    waiting(demo, "erin")

    assert run_digests(engine=demo, now=TOKYO_9, default_tz="Europe/Madrid").messages == 0
    result = run_digests(engine=demo, now=datetime(2030, 3, 4, 8, 0, tzinfo=UTC), default_tz="Europe/Madrid")

    assert result.poc == 2 and {a for _, a in sent(demo)} == {"hiro@acme.test", "erin@acme.test"}


def change(engine: Engine, topic: str, kind: str, person: str | None, previous: str | None,
           announced: datetime, cancelled: bool = False) -> None:
    i = ids(engine)
    with write_session(engine) as session:
        session.add(DirectoryChange(
            topic_id=i[topic], kind=kind, person_id=i.get(person or ""), previous_person_id=i.get(previous or ""),
            effective_at=announced, actor="grace@acme.test", announced_at=None if cancelled else announced,
            cancelled_at=announced if cancelled else None))


def subscribe(engine: Engine, channel: str, kind: str, target: str = "") -> None:
    with write_session(engine) as session:
        session.add(Subscription(platform="slack", channel=channel, target_kind=kind, target=target))


def test_a_subscribed_channel_hears_the_weeks_changes_it_would_have_heard(demo):
    subscribe(demo, "C0ALL", "all")
    subscribe(demo, "C0FIN", "tag", "finance")
    subscribe(demo, "C0QUIET", "topic", str(ids(demo)["Legal"]))
    change(demo, "Payments", "primary", "carol", "bob", datetime(2030, 3, 1, tzinfo=UTC))
    change(demo, "Vacation", "backup_add", "rosa", None, datetime(2030, 3, 2, tzinfo=UTC))
    change(demo, "Tax", "unassign", None, "alice", datetime(2030, 2, 20, tzinfo=UTC))  # before the week
    change(demo, "Contracts", "primary", "frank", "luis", datetime(2030, 3, 2, tzinfo=UTC), cancelled=True)

    assert run_digests(engine=demo, now=UTC_9 - MINUTE).channel == 0
    assert run_digests(engine=demo, now=UTC_9).channel == 2

    by_address = {m.address: m for m in outbox(demo) if m.kind == "digest_channel"}
    assert set(by_address) == {"C0ALL", "C0FIN"}  # C0PAYMENTS heard it at the time; C0QUIET heard nothing
    assert by_address["C0ALL"].payload["count"] == 2 and by_address["C0FIN"].payload["count"] == 1
    assert render_notice(by_address["C0ALL"], STYLE).splitlines() == [
        "POC changes in the last 7 days:",
        "• *Payments*: <@U0CAROL> is the new POC (was Bob Chen), 2030-03-01",
        "• *Vacation*: Rosa Díaz became a backup, 2030-03-02",
    ]


def ask(engine: Engine, text: str, outcome: str, topic: str | None, at: datetime) -> None:
    with write_session(engine) as session:
        session.add(Question(asked_at=at, platform="console", user_id="dan@acme.test", text=text,
                             topic_id=ids(engine)[topic] if topic else None, outcome=outcome))


def test_managers_hear_which_of_their_topics_found_nobody_and_the_top_unknown_questions(demo):
    madrid_9 = datetime(2030, 3, 4, 9, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    ask(demo, "corporate cards", "no_poc", "Corporate Cards", datetime(2030, 3, 1, tzinfo=UTC))
    ask(demo, "amex", "no_poc", "Corporate Cards", datetime(2030, 3, 2, tzinfo=UTC))
    ask(demo, "who owns the teleporter?", "unknown", None, datetime(2030, 3, 2, tzinfo=UTC))
    ask(demo, "ancient history", "unknown", None, datetime(2030, 2, 1, tzinfo=UTC))  # before the week

    assert run_digests(engine=demo, now=madrid_9).manager == 1
    [alice] = outbox(demo)
    assert (alice.kind, alice.address) == ("digest_manager", "alice@acme.test")
    assert render_notice(alice).splitlines() == [
        "Your weekly digest: lookups in the last 7 days that found nobody.",
        "Topics you manage that have no POC, most asked first:",
        "• *Corporate Cards*: nobody is assigned (asked ×2)",
        "Questions that matched no topic, company-wide:",
        "• “teleporter”: no topic matches (asked ×1)",
    ]
    luis_9 = datetime(2030, 3, 4, 9, 0, tzinfo=ZoneInfo("America/Mexico_City"))
    assert run_digests(engine=demo, now=luis_9).manager == 1
    assert outbox(demo)[-1].payload["no_poc"] == [] and outbox(demo)[-1].address == "luis@acme.test"


def test_empty_digests_are_not_sent_but_the_week_is_marked_done(demo):
    result = run_digests(engine=demo, now=NEW_YORK_9)

    assert result.messages == 0 and result.zones > 0 and outbox(demo) == []
    assert run_digests(engine=demo, now=NEW_YORK_9).zones == 0


def test_off_sends_nothing_and_marks_nothing(demo):
    waiting(demo, "hiro")

    assert run_digests(engine=demo, now=TOKYO_9, when="off").zones == 0
    assert outbox(demo) == []
    assert run_digests(engine=demo, now=TOKYO_9).poc == 1


@pytest.mark.parametrize(("text", "parsed"), [
    ("mon 09:00", DigestTime(0, datetime(2030, 1, 1, 9, 0).time())),
    ("Friday 16:30", DigestTime(4, datetime(2030, 1, 1, 16, 30).time())),
    (" off ", None),
])
def test_digest_times_read_a_weekday_and_a_local_time(text, parsed):
    assert parse_digest_time(text) == parsed


@pytest.mark.parametrize("text", ["", "monday", "09:00", "mon 24:00", "mon 9:60", "someday 09:00", "mon 09:00 utc"])
def test_a_nonsense_digest_time_is_refused(text):
    with pytest.raises(ValueError):
        parse_digest_time(text)


def test_the_server_can_refuse_a_bad_digest_setting_before_it_starts():
    check_config("mon 09:00", "Europe/Madrid")
    check_config("off", "UTC")
    with pytest.raises(ValueError, match="POCBOT_DIGEST"):
        check_config("every monday", "UTC")
    with pytest.raises(ValueError, match="POCBOT_TIMEZONE"):
        check_config("mon 09:00", "Mars/Olympus")


# --- delivered late: only what is still true -------------------------------------------

class Rendered:
    """A notifier that keeps the text each message had when it was delivered."""

    platform = "slack"

    def __init__(self) -> None:
        self.texts: list[tuple[str, str, str]] = []  # (kind, address, text)

    def deliver(self, message) -> None:  # type: ignore[no-untyped-def]
        self.texts.append((message.kind, message.address, render_notice(message, STYLE)))


def everywhere(notifier: Rendered) -> dict[str, Rendered]:
    return {platform: notifier for platform in ("slack", "teams", "console")}


def answer(engine: Engine, question_prefix: str) -> None:
    with write_session(engine) as session:
        session.execute(update(Inquiry).where(Inquiry.question.startswith(question_prefix))
                        .values(status="answered", answered_at=TOKYO_9 + timedelta(days=1)))


def test_a_digest_delivered_late_leaves_out_a_question_answered_since(demo):
    waiting(demo, "hiro", 2)
    assert run_digests(engine=demo, now=TOKYO_9).messages == 1
    answer(demo, "Question 0 ")  # answered before the digest's turn came (Slack was down)
    notifier = Rendered()

    done = run_due(engine=demo, notifiers=everywhere(notifier), now=TOKYO_9 + timedelta(days=3), worker="tick")

    [(kind, _, text)] = [d for d in notifier.texts if d[0] == "digest_poc"]
    assert "Question 1" in text and "Question 0" not in text
    assert text.startswith(render_digest("digest_poc", {"count": 1, "inquiries": [{}]}).split("\n")[0])
    assert done.dispatch.sent >= 1


def test_a_digest_with_nothing_left_waiting_is_dropped_not_sent(demo):
    waiting(demo, "hiro", 2)
    run_digests(engine=demo, now=TOKYO_9)
    answer(demo, "Question ")
    notifier = Rendered()

    done = run_due(engine=demo, notifiers=everywhere(notifier), now=TOKYO_9 + timedelta(days=3), worker="tick")

    assert [d for d in notifier.texts if d[0] == "digest_poc"] == [] and done.dispatch.dropped == 1
    assert [m.status for m in outbox(demo) if m.kind == "digest_poc"] == ["dropped"]


def test_a_nudge_about_a_question_answered_since_is_dropped(demo):
    waiting(demo, "hiro")
    i = ids(demo)
    with read_session(demo) as session:
        inquiry_id = session.execute(select(Inquiry.id)).scalar_one()
    payload = {"lang": "en", "inquiry_id": inquiry_id, "topic": "Payments", "question": "Question 0",
               "assignee": {"id": i["hiro"], "name": "Hiro", "email": "hiro@acme.test"}, "level": 0,
               "nudges_sent": 1, "max_nudges": 2, "asker": {}, "backups": []}
    with write_session(demo) as session:
        session.add_all([OutboxMessage(dedupe_key=f"t:{kind}", platform="slack", address=address, kind=kind,
                                       payload=payload, next_attempt_at=TOKYO_9, created_at=TOKYO_9)
                         for kind, address in (("inquiry_nudge", "U0HIRO"), ("inquiry_progress", "C0THREAD"))])
    answer(demo, "Question 0 ")
    notifier = Rendered()

    done = run_due(engine=demo, notifiers=everywhere(notifier), now=TOKYO_9 + timedelta(hours=2), worker="tick")

    assert notifier.texts == [] and done.dispatch.dropped == 2
