"""An import that changes POCs announces each changed topic once (unless told to be quiet)."""
from __future__ import annotations

from sqlmodel import Session

from bot.events import change_event
from bot.nudges import NudgePolicy
from bot.reactions import changes as changes_of
from bot.services.directory_plan import ImportPlan
from store import changes as change_store


def announce_import(session: Session, plan: ImportPlan, *, actor: str, reason: str,
                    policy: NudgePolicy = NudgePolicy(), lang: str = "en") -> int:
    """One DirectoryChange (and its announcements) per existing topic whose POC changed."""
    changes = [c for c in plan.changes if c.action == "assignment.primary" and c.key in plan.snapshot.topics]
    if not changes:
        return 0
    emails = {c.after.get("poc") for c in changes} | {c.before.get("poc") for c in changes}
    ids = change_store.ids_by_email(session=session, emails=[e for e in emails if e])
    topics = change_store.topic_ids_by_key(session=session, keys=[c.key for c in changes])
    # The same policy as chat changes: the new POC's moved inquiries are due on the configured timing.
    unit = changes_of(session, now=plan.now, lang=lang, policy=policy)
    for change in changes:
        new, old = change.after.get("poc"), change.before.get("poc")
        kind = "primary" if new else "unassign"
        row = change_store.add(session=session, topic_id=topics[change.key], kind=kind, person_id=ids.get(new),
                               previous_id=ids.get(old), effective_at=plan.now, actor=actor, reason=reason,
                               now=plan.now, announced=True)
        unit.record(change_event(change_id=row.id or 0, topic_id=row.topic_id, kind=kind, person_id=row.person_id,
                                 previous_id=row.previous_person_id, actor=actor, reason=reason,
                                 effective_at=plan.now))
    return unit.written
