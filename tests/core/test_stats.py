"""`stats [topic]`: 30-day inquiry figures by topic and by POC, and the lookups that found nobody.

The demo organisation (tests/harness.py): grace is an admin; alice manages Finance (Payments
and Expenses under it, both held by bob, a member); carol manages People (Vacation, held by
ines); Corporate Cards has no POC. Inquiries are written by hand with known times.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.index_cache import IndexCache
from bot.messages import Actor, Reply, ReplyKind
from bot.render import render_text
from bot.services.context import Context
from bot.services.stats import duration, percentile, stats, top_unknown
from store.db import read_session, write_session
from store.models import Inquiry, Person, Question, Topic
from tests.harness import NOW, load_demo

H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def demo(engine: Engine) -> Engine:
    return load_demo(engine)


def ids(engine: Engine) -> dict[str, int]:
    """Topic ids by name and person ids by email's local part."""
    with read_session(engine) as session:
        found = {name: i for i, name in session.execute(select(Topic.id, Topic.name))}
        found |= {email.split("@")[0]: i for i, email in session.execute(select(Person.id, Person.email))}
    return found


def inquiry(topic: int, assignee: int, asked: datetime, *, answered: timedelta | None = None,
            target: timedelta | None = 4 * H, status: str | None = None) -> Inquiry:
    return Inquiry(
        topic_id=topic, asker_platform="console", asker_user_id="dan@acme.test", question="Where is my refund?",
        assignee_person_id=assignee, created_at=asked, target_at=asked + target if target else None,
        first_response_at=asked + answered if answered else None,
        status=status or ("answered" if answered else "open"),
    )


def add(engine: Engine, *rows: object) -> None:
    with write_session(engine) as session:
        session.add_all(rows)


def hand_built(engine: Engine) -> dict[str, int]:
    """Payments: responses in 1, 2, 3, 4 (on target) and 10 hours, one overdue, one fresh,
    one too old to count; Expenses: 30 minutes with no target (an old row);
    Vacation: 1 day 2 hours, late."""
    i = ids(engine)
    pay, exp, vac, bob, ines = i["Payments"], i["Expenses"], i["Vacation"], i["bob"], i["ines"]
    add(engine,
        inquiry(pay, bob, NOW - 5 * D, answered=1 * H), inquiry(pay, bob, NOW - 5 * D, answered=2 * H),
        inquiry(pay, bob, NOW - 4 * D, answered=3 * H, status="resolved"),
        inquiry(pay, bob, NOW - 3 * D, answered=4 * H), inquiry(pay, bob, NOW - 2 * D, answered=10 * H),
        inquiry(pay, bob, NOW - 1 * D), inquiry(pay, bob, NOW - 1 * H),
        inquiry(pay, bob, NOW - 40 * D, answered=1 * H),
        inquiry(exp, bob, NOW - 2 * D, answered=timedelta(minutes=30), target=None),
        inquiry(vac, ines, NOW - 3 * D, answered=26 * H))
    return i


def asked(engine: Engine, *questions: tuple[str, str, int | None, datetime]) -> None:
    add(engine, *(Question(asked_at=at, platform="console", user_id="dan@acme.test", text=text, topic_id=topic,
                           outcome=outcome) for text, outcome, topic, at in questions))


def run(engine: Engine, who: str, text: str = "") -> Reply:
    email = f"{who}@acme.test"
    with read_session(engine) as session:
        person = session.execute(select(Person).where(Person.email == email)).scalar_one_or_none()
        ctx = Context(actor=Actor("console", email, email=email), person=person, lang="en", now=NOW, channel=None,
                      snapshot=IndexCache().get(session=session), admins=frozenset(), managers_manage_all=False)
        return stats(session, ctx, text)


def lines(reply: Reply) -> list[str]:
    return render_text(reply).splitlines()


def test_medians_p90_and_share_within_target_come_from_the_window_only(demo):
    hand_built(demo)

    reply = run(demo, "grace")

    assert reply.kind is ReplyKind.listing and reply.note == "stats_title"
    assert lines(reply)[0] == (
        "Inquiries in the last 30 days: 9 asked, 2 open, 1 overdue. "
        "First response: median 3h, 90th percentile 16h 24m; 57% within target.")
    assert "• *Payments*: 7 asked, 2 open, 1 overdue · median 3h, p90 7h 36m · 67% within target" in lines(reply)
    assert "• *Vacation*: 1 asked, 0 open, 0 overdue · median 1d 2h, p90 1d 2h · 0% within target" in lines(reply)
    # No target on record: its time counts, its share does not.
    assert "• *Expenses*: 1 asked, 0 open, 0 overdue · median 30m, p90 30m · — within target" in lines(reply)


def test_topics_with_overdue_inquiries_come_first(demo):
    hand_built(demo)

    topics = [m.values["topic"] for m in run(demo, "grace").lines if m.key == "stats_topic_line"]

    assert topics[0] == "Payments" and sorted(topics) == ["Expenses", "Payments", "Vacation"]


def test_an_admin_sees_every_pocs_line(demo):
    hand_built(demo)

    text = lines(run(demo, "grace"))

    assert "By POC:" in text
    assert "• Bob Chen: 8 asked, 2 open, 1 overdue · median 2h 30m, p90 7h · 67% within target" in text
    assert any(line.startswith("• Inés García: 1 asked") for line in text)


def test_a_plain_member_sees_topic_figures_only_and_is_told_why(demo):
    hand_built(demo)

    reply = run(demo, "dan")

    assert "stats_poc_line" not in {m.key for m in reply.lines}
    assert reply.lines[-1].key == "stats_poc_hidden"
    assert "stats_topic_line" in {m.key for m in reply.lines}


def test_a_poc_sees_their_own_line_and_nobody_elses(demo):
    hand_built(demo)

    reply = run(demo, "bob")

    people = [m.values["person"].name for m in reply.lines if m.key == "stats_poc_line"]
    assert people == ["Bob Chen"] and reply.lines[-1].key == "stats_poc_hidden"


def test_a_manager_sees_the_poc_lines_of_the_topics_they_manage_and_the_topics_under_them(demo):
    hand_built(demo)

    finance = run(demo, "alice", "finance")
    vacation = run(demo, "alice", "vacation")

    assert finance.note == "stats_title_topic" and finance.values["topic"] == "Finance"
    assert finance.values["asked"] == 8 and finance.values["median"] == "2h 30m"
    assert [m.values["topic"] for m in finance.lines if m.key == "stats_topic_line"] == ["Payments", "Expenses"]
    assert [m.values["person"].name for m in finance.lines if m.key == "stats_poc_line"] == ["Bob Chen"]
    assert "stats_poc_line" not in {m.key for m in vacation.lines}
    assert vacation.lines[-1].key == "stats_poc_hidden"


def test_one_topic_is_summed_up_in_the_title_alone(demo):
    hand_built(demo)

    reply = run(demo, "grace", "payments")

    assert reply.values["asked"] == 7 and reply.values["within"] == "67%"
    assert "stats_topic_line" not in {m.key for m in reply.lines}


def test_lookups_that_found_nobody_are_counted_most_asked_first(demo):
    cards, payments = ids(demo)["Corporate Cards"], ids(demo)["Payments"]
    asked(demo,
          ("who is the POC for quantum stuff?", "unknown", None, NOW - 1 * D),
          ("who is the POC for quantum stuff?", "unknown", None, NOW - 2 * D),
          ("Quantum Stuff", "unknown", None, NOW - 3 * D),
          ("teleporter", "unknown", None, NOW - 3 * D),
          ("teleporter", "unknown", None, NOW - 31 * D),  # too old
          ("corporate cards", "no_poc", cards, NOW - 1 * D), ("amex", "no_poc", cards, NOW - 2 * D),
          ("payments", "answer", payments, NOW - 1 * D))

    reply = run(demo, "dan")

    assert reply.note == "stats_title" and reply.values["asked"] == 0
    assert lines(reply)[1:] == [
        "Lookups that found nobody:",
        "• “quantum stuff”: no topic matches (asked ×3)",
        "• *Corporate Cards*: nobody is assigned (asked ×2)",
        "• “teleporter”: no topic matches (asked ×1)",
    ]
    assert [m.key for m in run(demo, "dan", "finance").lines] == ["stats_gaps", "stats_gap_no_poc"]


def test_nothing_in_the_window_gets_a_friendly_line(demo):
    add(demo, inquiry(ids(demo)["Payments"], ids(demo)["bob"], NOW - 45 * D, answered=H))

    reply = run(demo, "grace")

    assert reply.note == "stats_empty" and reply.lines == ()
    assert lines(reply) == ["Nothing to report for the last 30 days: no inquiries, and every lookup found someone."]
    assert run(demo, "grace", "vacation").note == "stats_empty_topic"


def test_a_misspelt_topic_gets_suggestions_and_no_figures(demo):
    hand_built(demo)

    reply = run(demo, "grace", "paymnts")

    assert reply.kind is ReplyKind.invalid and reply.note == "topic_did_you_mean"
    assert reply.values["topics"] == ["Payments"]


def test_a_long_tail_of_topics_ends_with_how_many_more(sqlite_engine):
    demo = load_demo(sqlite_engine)
    i = ids(demo)
    topics = [t for name, t in i.items() if name[0].isupper()]
    add(demo, *(inquiry(t, i["bob"], NOW - D) for t in topics))

    reply = run(demo, "grace")

    shown = [m for m in reply.lines if m.key == "stats_topic_line"]
    assert len(shown) == 10
    assert any(m.key == "stats_more" and m.values["n"] == len(topics) - 10 for m in reply.lines)


@pytest.mark.parametrize(("seconds", "text"), [
    (None, None), (20, "<1m"), (45 * 60, "45m"), (3 * 3600, "3h"), (3 * 3600 + 20 * 60, "3h 20m"),
    (2 * 86400 + 4 * 3600, "2d 4h"), (86400, "1d"),
])
def test_durations_read_like_a_person_would_write_them(seconds, text):
    assert duration(seconds) == text


def test_percentiles_interpolate_between_ranks_like_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 10.0], 0.9) == pytest.approx(7.6)


def test_unknown_lookups_are_grouped_by_what_was_asked_about():
    rows = [("Who owns Quantum stuff?", 2), ("quantum  STUFF", 1), ("¿Quién lleva la teletransportación?", 1)]

    assert top_unknown(rows) == [("quantum stuff", 3), ("teletransportacion", 1)]
