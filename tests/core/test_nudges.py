"""Waiting inquiries are nudged in the assignee's working hours, then escalated, each step once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

import bot.nudges
from bot.nudges import NudgePolicy, NudgeResult, open_inquiry, run_nudges, shorten, snooze_inquiry
from bot.working_hours import is_open
from store import inquiries
from store.db import read_session, write_session
from store.models import Assignment, Inquiry, OutboxMessage, Person, PersonSchedule, Topic, TopicPolicy
from tests.harness import race

UTC = timezone.utc
MADRID, TOKYO, NY = "Europe/Madrid", "Asia/Tokyo", "America/New_York"
PEOPLE = {  # name: (slack id, time zone)
    "dan": ("U0DAN", MADRID), "kenji": ("U0KENJI", TOKYO), "nora": ("U0NORA", NY),
    "noah": ("U0NOAH", MADRID), "eve": ("U0EVE", MADRID), "ana": ("U0ANA", MADRID),
}
TOPICS = {  # name: (channel, primary, backups)
    "Laptops": ("C0IT", "dan", ["noah", "eve"]), "Travel": ("C0TRAVEL", "dan", []),
    "Secrets": (None, "dan", []), "Payroll": ("C0PAY", "dan", ["dan", "noah"]),
}


def local(zone: str, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


MONDAY_10 = local(MADRID, "2030-03-04 10:00")


def org(engine: Engine) -> dict[str, int]:
    """People and topics (ids by name); assignments started long ago."""
    ids: dict[str, int] = {}
    with write_session(engine) as session:
        for name, (slack_id, tz) in PEOPLE.items():
            person = Person(email=f"{name}@acme.test", name=name.title(), slack_id=slack_id, timezone=tz)
            session.add(person)
            session.flush()
            ids[name] = person.id
        for name, (channel, primary, backups) in TOPICS.items():
            topic = Topic(name=name, key=name.lower(), channel=channel)
            session.add(topic)
            session.flush()
            ids[name] = topic.id
            since = datetime(2029, 1, 1, tzinfo=UTC)
            session.add(Assignment(topic_id=topic.id, person_id=ids[primary], kind="primary", starts_at=since))
            for position, backup in enumerate(backups):
                session.add(Assignment(topic_id=topic.id, person_id=ids[backup], kind="backup",
                                       position=position, starts_at=since))
    return ids


def ask(engine: Engine, ids: dict[str, int], topic: str = "Laptops", assignee: str = "dan", *,
        now: datetime = MONDAY_10, question: str = "My laptop will not boot", thread: str | None = "1700.0001",
        defaults: NudgePolicy = NudgePolicy()) -> int:
    with write_session(engine) as session:
        inquiry = Inquiry(topic_id=ids[topic], asker_platform="slack", asker_user_id="U0ANA",
                          asker_person_id=ids["ana"], question=question, assignee_person_id=ids[assignee],
                          platform="slack", conversation="D0ANA", thread=thread)
        return open_inquiry(session=session, inquiry=inquiry, now=now, defaults=defaults).id


def sent(engine: Engine) -> list[tuple[str, str, str]]:
    """(kind, address, dedupe key) of every outbox row, in order."""
    with read_session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [(r.kind, r.address, r.dedupe_key) for r in rows]


def kinds(engine: Engine) -> list[tuple[str, str]]:
    return [(kind, address) for kind, address, _ in sent(engine)]


def inquiry(engine: Engine, inquiry_id: int) -> Inquiry:
    with read_session(engine) as session:
        return session.get(Inquiry, inquiry_id)


def test_a_nudge_arrives_after_four_working_hours_and_not_before(engine: Engine) -> None:
    ids = org(engine)
    asked = ask(engine, ids)

    assert run_nudges(engine=engine, now=local(MADRID, "2030-03-04 13:59")).claimed == 0
    assert sent(engine) == []
    result = run_nudges(engine=engine, now=local(MADRID, "2030-03-04 14:00"))

    assert (result.claimed, result.nudged, result.messages) == (1, 1, 2)
    assert kinds(engine) == [("inquiry_nudge", "U0DAN"), ("inquiry_progress", "D0ANA")]
    due = int(local(MADRID, "2030-03-04 14:00").timestamp())
    assert all(key.startswith(f"nudge:{asked}:{due}:1:0:") for _, _, key in sent(engine))
    stored = inquiry(engine, asked)
    assert (stored.nudges_sent, stored.escalation_level) == (1, 0)
    assert stored.next_nudge_at == local(MADRID, "2030-03-05 14:00")  # one working day later
    assert run_nudges(engine=engine, now=local(MADRID, "2030-03-04 16:59")).claimed == 0


def test_the_payload_is_platform_neutral_and_shortens_only_what_it_shows(sqlite_engine: Engine) -> None:
    ids = org(sqlite_engine)
    question = "Why does my laptop " + "really " * 100 + "not boot?"
    asked = ask(sqlite_engine, ids, question=question)
    run_nudges(engine=sqlite_engine, now=local(MADRID, "2030-03-04 14:00"))

    with read_session(sqlite_engine) as session:
        nudge, progress = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    payload = nudge.payload
    assert payload["inquiry_id"] == asked and payload["topic"] == "Laptops" and payload["lang"] == "en"
    assert payload["question"] == shorten(question) and len(payload["question"]) <= 300
    assert payload["question"].endswith("…") and inquiry(sqlite_engine, asked).question == question
    assert payload["asker"] == {"platform": "slack", "user_id": "U0ANA",
                                "person": {"id": ids["ana"], "name": "Ana", "email": "ana@acme.test",
                                           "slack_id": "U0ANA", "teams_id": None}}
    assert payload["assignee"]["slack_id"] == "U0DAN" and payload["level"] == 0 and payload["nudges_sent"] == 1
    assert (progress.platform, progress.address, progress.payload["thread"]) == ("slack", "D0ANA", "1700.0001")


def test_a_tokyo_and_a_new_york_poc_asked_at_the_same_instant_are_nudged_in_their_own_day(engine: Engine) -> None:
    ids = org(engine)
    asked = datetime(2030, 3, 8, 1, 0, tzinfo=UTC)  # Friday 10:00 in Tokyo, Thursday 20:00 in New York
    tokyo, new_york = ask(engine, ids, assignee="kenji", now=asked), ask(engine, ids, assignee="nora", now=asked)
    first: dict[int, datetime] = {}
    now = asked
    while len(first) < 2 and now < asked + timedelta(days=5):  # a sweep every half hour, nights included
        run_nudges(engine=engine, now=now)
        with read_session(engine) as session:
            for row in session.exec(select(Inquiry)).all():
                if row.nudges_sent and row.id not in first:
                    first[row.id] = now
        now += timedelta(minutes=30)

    assert first[tokyo] == local(TOKYO, "2030-03-08 14:00")
    assert first[new_york] == local(NY, "2030-03-08 13:00")
    assert first[tokyo] != first[new_york]
    second = {i: inquiry(engine, i).next_nudge_at for i in (tokyo, new_york)}
    assert second == {tokyo: local(TOKYO, "2030-03-11 14:00"), new_york: local(NY, "2030-03-11 13:00")}


def test_no_nudge_is_sent_at_night_or_at_the_weekend_in_the_assignees_zone(engine: Engine) -> None:
    ids = org(engine)
    for assignee in ("kenji", "nora", "dan"):
        ask(engine, ids, assignee=assignee, now=datetime(2030, 3, 7, 12, 0, tzinfo=UTC))
    zones = {PEOPLE[name][0]: PEOPLE[name][1] for name in PEOPLE}
    now, seen = datetime(2030, 3, 7, 12, 0, tzinfo=UTC), 0
    while now < datetime(2030, 3, 14, tzinfo=UTC):
        before = len(sent(engine))
        run_nudges(engine=engine, now=now)
        for kind, address, _ in sent(engine)[before:]:
            if kind == "inquiry_nudge":
                seen += 1
                assert is_open(now, tz=zones[address]), (address, now)
        now += timedelta(minutes=45)
    assert seen == 6  # two nudges each, all on working days in working hours


def test_a_sweep_that_runs_late_at_night_defers_to_the_next_opening(sqlite_engine: Engine) -> None:
    ids = org(sqlite_engine)
    asked = ask(sqlite_engine, ids)  # due Monday 14:00; the sweepers were down until 03:00

    result = run_nudges(engine=sqlite_engine, now=local(MADRID, "2030-03-05 03:00"))

    assert (result.claimed, result.deferred, result.messages) == (1, 1, 0)
    assert inquiry(sqlite_engine, asked).next_nudge_at == local(MADRID, "2030-03-05 09:00")
    assert inquiry(sqlite_engine, asked).nudges_sent == 0
    assert run_nudges(engine=sqlite_engine, now=local(MADRID, "2030-03-05 09:00")).nudged == 1


def walk(engine: Engine, start: datetime, days: float = 8) -> list[NudgeResult]:
    """Sweep every half hour for `days`; the results of the runs that did something."""
    results, now = [], start
    while now < start + timedelta(days=days):
        result = run_nudges(engine=engine, now=now)
        if result.claimed:
            results.append(result)
        now += timedelta(minutes=30)
    return results


def test_after_max_nudges_the_backups_are_asked_then_the_channel_each_step_told_to_the_asker(engine: Engine) -> None:
    ids = org(engine)
    asked = ask(engine, ids)

    steps = walk(engine, MONDAY_10)

    assert [(r.nudged, r.to_backups, r.to_channel) for r in steps] == [(1, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
    assert kinds(engine) == [
        ("inquiry_nudge", "U0DAN"), ("inquiry_progress", "D0ANA"),  # Monday 14:00
        ("inquiry_nudge", "U0DAN"), ("inquiry_progress", "D0ANA"),  # Tuesday 14:00
        ("inquiry_escalation", "U0NOAH"), ("inquiry_escalation", "U0EVE"), ("inquiry_progress", "D0ANA"),
        ("inquiry_channel", "C0IT"), ("inquiry_progress", "D0ANA"),  # Thursday 14:00, the last step
    ]
    keys = [key for _, _, key in sent(engine)]
    assert len(set(keys)) == len(keys) and all(k.startswith(f"nudge:{asked}:") for k in keys)
    stored = inquiry(engine, asked)
    assert (stored.nudges_sent, stored.escalation_level, stored.next_nudge_at) == (2, 2, None)
    with read_session(engine) as session:
        payloads = [m.payload for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "inquiry_progress"))]
    assert [p["level"] for p in payloads] == [0, 0, 1, 2]
    assert [b["name"] for b in payloads[2]["backups"]] == ["Noah", "Eve"] and payloads[3]["channel"] == "C0IT"


def test_without_backups_the_channel_comes_next_and_without_a_channel_only_the_asker_hears(engine: Engine) -> None:
    ids = org(engine)
    travel, secrets = ask(engine, ids, "Travel"), ask(engine, ids, "Secrets")
    walk(engine, MONDAY_10)

    after = [(kind, address) for kind, address, key in sent(engine) if key.split(":")[3:5] == ["2", "2"]]
    assert after == [("inquiry_channel", "C0TRAVEL"), ("inquiry_progress", "D0ANA"), ("inquiry_progress", "D0ANA")]
    assert inquiry(engine, travel).next_nudge_at is None and inquiry(engine, secrets).escalation_level == 2


def test_the_assignee_is_not_asked_again_as_a_backup(sqlite_engine: Engine) -> None:
    ids = org(sqlite_engine)
    ask(sqlite_engine, ids, "Payroll")
    walk(sqlite_engine, MONDAY_10)
    assert [a for k, a in kinds(sqlite_engine) if k == "inquiry_escalation"] == ["U0NOAH"]


def test_a_topic_policy_and_a_persons_own_hours_override_the_defaults(engine: Engine) -> None:
    ids = org(engine)
    with write_session(engine) as session:
        session.add(TopicPolicy(topic_id=ids["Laptops"], nudge_after_minutes=60, max_nudges=0))
        session.add(PersonSchedule(person_id=ids["dan"], working_hours="sun-thu 08:00-16:00"))
    asked = ask(engine, ids, now=local(MADRID, "2030-03-07 15:30"))  # Thursday; Dan is off on Fridays

    assert inquiry(engine, asked).next_nudge_at == local(MADRID, "2030-03-10 08:30")  # his Sunday
    result = run_nudges(engine=engine, now=local(MADRID, "2030-03-10 08:30"))
    assert result.to_backups == 1 and result.nudged == 0  # max_nudges 0: straight to the backups


def test_a_snoozed_inquiry_is_not_nudged_until_its_snooze_ends(engine: Engine) -> None:
    ids = org(engine)
    asked = ask(engine, ids)
    with write_session(engine) as session:
        row = session.get(Inquiry, asked)
        assert snooze_inquiry(session=session, inquiry=row, until=local(MADRID, "2030-03-05 20:00"))

    assert walk(engine, MONDAY_10, days=1.4) == []  # through Tuesday evening
    assert inquiry(engine, asked).next_nudge_at == local(MADRID, "2030-03-06 09:00")
    assert run_nudges(engine=engine, now=local(MADRID, "2030-03-06 09:00")).nudged == 1


def test_a_snooze_set_directly_still_holds_nudges_back(sqlite_engine: Engine) -> None:
    ids = org(sqlite_engine)
    asked = ask(sqlite_engine, ids)
    with write_session(sqlite_engine) as session:
        session.get(Inquiry, asked).snoozed_until = local(MADRID, "2030-03-04 16:00")

    assert run_nudges(engine=sqlite_engine, now=local(MADRID, "2030-03-04 15:00")).claimed == 0
    assert run_nudges(engine=sqlite_engine, now=local(MADRID, "2030-03-04 16:00")).nudged == 1


@pytest.mark.parametrize("status", ["answered", "resolved", "closed"])
def test_a_settled_inquiry_is_never_nudged(engine: Engine, status: str) -> None:
    ids = org(engine)
    asked = ask(engine, ids)
    with write_session(engine) as session:
        assert inquiries.settle(session=session, inquiry_id=asked, status=status, now=MONDAY_10 + timedelta(hours=1))

    assert walk(engine, MONDAY_10, days=3) == [] and sent(engine) == []


def test_one_call_works_through_every_due_inquiry_in_batches(sqlite_engine: Engine) -> None:
    ids = org(sqlite_engine)
    for n in range(120):
        ask(sqlite_engine, ids, question=f"question {n}")

    result = run_nudges(engine=sqlite_engine, now=local(MADRID, "2030-03-04 14:00"), batch=50)

    assert (result.claimed, result.nudged, result.batches, result.messages) == (120, 120, 3, 240)
    assert run_nudges(engine=sqlite_engine, now=local(MADRID, "2030-03-04 14:00"), batch=50).claimed == 0


def test_an_inquiry_whose_step_fails_is_retried_later_and_holds_up_no_other(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = org(sqlite_engine)
    broken, fine = ask(sqlite_engine, ids), ask(sqlite_engine, ids)
    real = bot.nudges._step

    def step(row, batch, now):  # type: ignore[no-untyped-def]
        if row.id == broken:
            raise RuntimeError("a bug")
        return real(row, batch, now)

    monkeypatch.setattr(bot.nudges, "_step", step)
    due = local(MADRID, "2030-03-04 14:00")
    result = run_nudges(engine=sqlite_engine, now=due)

    assert (result.claimed, result.nudged, result.failed) == (2, 1, 1)
    assert inquiry(sqlite_engine, broken).next_nudge_at == due + bot.nudges.RETRY_AFTER
    assert inquiry(sqlite_engine, fine).nudges_sent == 1


def test_sweepers_racing_on_one_database_send_each_nudge_once(engine: Engine) -> None:
    ids = org(engine)
    for n in range(60):
        ask(engine, ids, assignee=("dan", "kenji", "nora")[n % 3], now=datetime(2030, 3, 4, 0, 0, tzinfo=UTC),
            question=f"question {n}")
    due = datetime(2030, 3, 6, 15, 0, tzinfo=UTC)  # in working hours in Madrid and New York, not Tokyo
    results = race(lambda: run_nudges(engine=engine, now=due, batch=7))

    assert sum(r.claimed for r in results) == 60  # every due row claimed by exactly one sweeper
    assert (sum(r.nudged for r in results), sum(r.deferred for r in results)) == (40, 20)
    keys = [key for _, _, key in sent(engine)]
    assert len(keys) == len(set(keys)) == 80 and all(k.startswith("nudge:") for k in keys)
    with read_session(engine) as session:
        assert sorted(i.nudges_sent for i in session.exec(select(Inquiry))) == [0] * 20 + [1] * 40


def test_every_nudge_kind_renders_in_both_languages_with_mentions_and_escaped_question():
    from bot.notices import render_notice
    from integrations.slack.render import STYLE

    class Row:
        def __init__(self, kind: str, payload: dict) -> None:
            self.kind, self.payload = kind, payload

    person = {"id": 1, "name": "Quinn Adams", "email": "quinn@acme.test", "slack_id": "U0QUINN", "teams_id": None}
    base = {"topic": "Payroll", "question": "Why <!channel>?", "asker": {"platform": "slack", "user_id": "U0ASK"},
            "assignee": person, "backups": [person], "channel": "C0FINANCE", "nudges_sent": 1, "max_nudges": 2,
            "conversation": "C0X", "thread": "1.2"}
    kinds = [("inquiry_nudge", 0), ("inquiry_escalation", 1), ("inquiry_channel", 2),
             ("inquiry_progress", 0), ("inquiry_progress", 1), ("inquiry_progress", 2)]
    for lang in ("en", "es"):
        for kind, level in kinds:
            text = render_notice(Row(kind, {**base, "lang": lang, "level": level}), STYLE)
            assert "{" not in text and "<!channel>" not in text, (kind, level, text)
    nudge = render_notice(Row("inquiry_nudge", {**base, "lang": "en", "level": 0}), STYLE)
    assert "<@U0ASK>" in nudge and "*Payroll*" in nudge and "&lt;!channel&gt;" in nudge
    for lang in ("en", "es"):  # the nudge posted in the thread names the POC; the progress line does not
        here = render_notice(Row("inquiry_progress", {**base, "lang": lang, "level": 0, "nudge_here": True}), STYLE)
        assert "<@U0QUINN>" in here and "<@U0ASK>" in here and "{" not in here
        for level in (0, 1):
            told = render_notice(Row("inquiry_progress", {**base, "lang": lang, "level": level}), STYLE)
            assert "Quinn Adams" in told and "<@U0QUINN>" not in told


def test_a_backup_who_chose_teams_is_asked_there(sqlite_engine: Engine) -> None:
    ids = org(sqlite_engine)
    with write_session(sqlite_engine) as session:
        noah = session.get(Person, ids["noah"])
        noah.teams_id, noah.notify_platform = "29:1noah", "teams"
    ask(sqlite_engine, ids)
    walk(sqlite_engine, MONDAY_10, days=3)
    escalations = [address for kind, address, _ in sent(sqlite_engine) if kind == "inquiry_escalation"]
    assert escalations == ["29:1noah", "U0EVE"]


def test_a_poc_asked_in_a_channel_thread_is_nudged_there_alone_and_a_poc_it_moved_to_by_dm(engine: Engine) -> None:
    ids = org(engine)
    here, moved = ask(engine, ids), ask(engine, ids, "Travel")
    with write_session(engine) as session:  # both asked in a thread of C0IT with dan, then Travel moved to noah
        for inquiry_id in (here, moved):
            stored = session.get(Inquiry, inquiry_id)
            stored.conversation, stored.conversation_person_id = "C0IT", ids["dan"]
        session.get(Inquiry, moved).assignee_person_id = ids["noah"]

    run_nudges(engine=engine, now=local(MADRID, "2030-03-04 14:00"))

    assert sorted(kinds(engine)) == [
        ("inquiry_nudge", "U0NOAH"), ("inquiry_progress", "C0IT"), ("inquiry_progress", "C0IT")]
    with read_session(engine) as session:
        progress = {m.payload["inquiry_id"]: m.payload["nudge_here"]
                    for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "inquiry_progress"))}
    assert progress == {here: True, moved: False}
