"""The journal's append-only history: every change of a lesson's fields, an attendance entry or a
mark, written in the same transaction as the change (who, when, old, new, why).

Each change also goes to the audit log, whose hash chain makes a later edit of the journal's own
history detectable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.log import record as audit
from core.auth.models import UserAccount
from core.db.types import utcnow
from core.i18n import N_
from plugins.journal.models import JournalHistory

AUDIT_ACTIONS = {"lesson": "journal.lesson_changed", "attendance": "journal.attendance_changed", "grade": "journal.mark_changed",
                 "final": "journal.final_changed"}
FIELD_LABELS = {
    "topic": N_("Topic"), "homework": N_("Homework"), "homework_due": N_("Due"), "no_homework": N_("No homework"),
    "work_kind": N_("Kind of work"), "note": N_("Note"), "code": N_("Attendance"), "reason": N_("Absence reason"),
    "mark": N_("Mark"), "decision": N_("Decision"), "lesson": N_("Moved to lesson"),
}


class HistoryWriter:
    """Collects the changes of one save and writes them with it."""

    def __init__(self, session: AsyncSession, school_id: int, actor_id: int | None, reason: str = "") -> None:
        self.session, self.school_id, self.actor_id = session, school_id, actor_id
        self.reason = reason  # why this save changes a closed period; written on each of its changes
        self.at = utcnow()

    def add(self, lesson_id: int, record: str, field: str, old: object, new: object, *, student_id: int | None = None,
            record_id: int | None = None, reason: str = "") -> None:
        self.session.add(JournalHistory(
            school_id=self.school_id, lesson_id=lesson_id, student_id=student_id, record=record, record_id=record_id,
            field=field, old_value=_text(old), new_value=_text(new), reason=reason or self.reason, changed_by=self.actor_id,
            changed_at=self.at))
        self._audit(record, record_id or lesson_id, {"lesson": lesson_id, "student": student_id, "field": field,
                                                     "old": _text(old), "new": _text(new), "reason": reason or self.reason})

    def add_final(self, page_id: int, student_id: int, field: str, old: str | None, new: str | None, *,
                  record_id: int, reason: str = "", comment: str = "") -> None:
        """A final mark given, changed or removed (``field``: «period:<id>», «year», «exam», «final»);
        the teacher's comment on it goes with the new value."""
        shown = f"{new} ({comment})" if new and comment else new
        self.session.add(JournalHistory(
            school_id=self.school_id, lesson_id=None, subject_page_id=page_id, student_id=student_id, record="final",
            record_id=record_id, field=field, old_value=_text(old), new_value=_text(shown), reason=reason,
            changed_by=self.actor_id, changed_at=self.at))
        self._audit("final", record_id, {"subject_page": page_id, "student": student_id, "field": field, "old": _text(old),
                                         "new": _text(shown), "reason": reason})

    def _audit(self, record: str, object_id: int, details: dict[str, object]) -> None:
        audit(self.session, AUDIT_ACTIONS[record], actor_id=self.actor_id, school_id=self.school_id,
              object_type=f"journal_{record}", object_id=object_id, details={k: v for k, v in details.items() if v})


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "1" if value else None
    if hasattr(value, "strftime"):
        return value.strftime("%d.%m.%Y")  # type: ignore[union-attr]
    return str(value)


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    field: str
    old: str
    new: str
    reason: str


async def final_history_of(session: AsyncSession, page_id: int, student_id: int) -> list[HistoryLine]:
    """A student's final marks on a page (every period, the year, the exam, the final); newest first.
    ``field`` says which mark: «period:<id>», «year», «exam», «final»."""
    rows = (await session.execute(
        select(JournalHistory, UserAccount.full_name).outerjoin(UserAccount, UserAccount.id == JournalHistory.changed_by)
        .where(JournalHistory.subject_page_id == page_id, JournalHistory.student_id == student_id,
               JournalHistory.record == "final")
        .order_by(JournalHistory.changed_at.desc(), JournalHistory.id.desc()))).all()
    return [HistoryLine(row.changed_at, name or "", row.field, row.old_value or "", row.new_value or "", row.reason)
            for row, name in rows]


async def history_of(session: AsyncSession, lesson_id: int, student_id: int | None) -> list[HistoryLine]:
    """A student's cell of a lesson (attendance and marks), or the lesson's own fields; newest first."""
    student = JournalHistory.student_id.is_(None) if student_id is None else JournalHistory.student_id == student_id
    rows = (await session.execute(
        select(JournalHistory, UserAccount.full_name).outerjoin(UserAccount, UserAccount.id == JournalHistory.changed_by)
        .where(JournalHistory.lesson_id == lesson_id, student)
        .order_by(JournalHistory.changed_at.desc(), JournalHistory.id.desc()))).all()
    return [HistoryLine(row.changed_at, name or "", row.field, row.old_value or "", row.new_value or "", row.reason)
            for row, name in rows]
