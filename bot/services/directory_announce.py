"""An import that changes POCs announces each changed topic once (unless told to be quiet)."""
from __future__ import annotations


from sqlalchemy import select
from sqlmodel import Session

from bot.announce import announce_change
from bot.nudges import NudgePolicy
from store.models import DirectoryChange, Person, Topic
from bot.services.directory_plan import ImportPlan



def announce_import(session: Session, plan: ImportPlan, *, actor: str, reason: str,
                    policy: NudgePolicy = NudgePolicy(), lang: str = "en") -> int:
    """One DirectoryChange (and its announcements) per existing topic whose POC changed."""
    changes = [c for c in plan.changes if c.action == "assignment.primary" and c.key in plan.snapshot.topics]
    if not changes:
        return 0
    emails = {c.after.get("poc") for c in changes} | {c.before.get("poc") for c in changes}
    ids = dict(session.execute(select(Person.email, Person.id).where(Person.email.in_([e for e in emails if e]))).all())
    topics = dict(session.execute(select(Topic.key, Topic.id).where(Topic.key.in_([c.key for c in changes]))).all())
    written = 0
    for change in changes:
        new, old = change.after.get("poc"), change.before.get("poc")
        row = DirectoryChange(
            topic_id=topics[change.key], kind="primary" if new else "unassign",
            person_id=ids.get(new), previous_person_id=ids.get(old), effective_at=plan.now,
            actor=actor, reason=reason, created_at=plan.now, announced_at=plan.now,
        )
        session.add(row)
        session.flush()
        # The same policy as chat changes: the new POC's moved inquiries are due on the configured timing.
        written += announce_change(session=session, change=row, now=plan.now, lang=lang, policy=policy)
    return written
