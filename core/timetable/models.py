"""The weekly timetable and its dated changes.

A ``timetable`` is one version of the weekly plan, in force from ``valid_from`` until the next
version of the year begins, so a new timetable never rewrites the past. Its ``timetable_slot``
rows say: on this weekday, at this lesson number, this subject page with this teacher in this
room, every week or every other week. A ``timetable_change`` alters the lessons of one date (or,
for a long-term replacement, a date range) and is never deleted: a withdrawn change keeps who
withdrew it and when.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow
from core.i18n import N_

# Alternate-week lessons: weeks are counted from the week the school year starts in (week 1, odd).
WEEK_PARITIES = ("every", "odd", "even")
WEEK_PARITY_LABELS = {"every": N_("every week"), "odd": N_("odd weeks"), "even": N_("even weeks")}
CHANGE_KINDS = ("cancel", "move", "room", "substitute", "other_subject", "merge", "replacement")
CHANGE_KIND_LABELS = {
    "cancel": N_("Cancelled"),
    "move": N_("Moved"),
    "room": N_("Room changed"),
    "substitute": N_("Substitution: the same subject"),
    "other_subject": N_("Substitution: another subject"),
    "merge": N_("Groups merged"),
    "replacement": N_("Long-term replacement"),
}
WEEKDAY_LABELS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"))


class Room(Base):
    """A room (кабинет) lessons are given in: «205», «Спортзал»."""

    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    note: Mapped[str] = mapped_column(String(200), default="")
    is_archived: Mapped[bool] = mapped_column(default=False)


class Timetable(Base):
    """One version of a year's weekly timetable, in force from ``valid_from``."""

    __tablename__ = "timetable"
    __table_args__ = (UniqueConstraint("academic_year_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    valid_from: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TimetableSlot(Base):
    """A weekly lesson: weekday (0 is Monday), lesson number of the class's shift, subject page,
    teacher and room; every week, or odd or even weeks only."""

    __tablename__ = "timetable_slot"
    __table_args__ = (
        Index("ix_timetable_slot_version_day", "timetable_id", "weekday", "lesson_number"),
        CheckConstraint("weekday BETWEEN 0 AND 5", name="weekday"),
        CheckConstraint("lesson_number BETWEEN 1 AND 12", name="lesson_number"),
        CheckConstraint("week_parity IN ('every', 'odd', 'even')", name="week_parity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    timetable_id: Mapped[int] = mapped_column(ForeignKey("timetable.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    lesson_number: Mapped[int]
    week_parity: Mapped[str] = mapped_column(String(5), default="every")
    subject_page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"))


class TimetableChange(Base):
    """A change of the lessons of ``on_date`` made by the dispatcher, with its reason.

    ``cancel``: the lesson is not given. ``move``: it is given at ``to_number`` on ``to_date``
    instead. ``room``: in ``room_id``. ``substitute``: ``teacher_id`` gives it. ``other_subject``:
    ``teacher_id`` gives ``subject_page_id`` (another page of the same students) instead.
    ``merge``: the lesson's group joins ``merged_slot_id``'s lesson, under its teacher and in its
    room. ``replacement``: ``teacher_id`` takes ``subject_page_id`` over from ``replaced_teacher_id``
    from ``on_date`` to ``ends_on`` (the load gets dated assignments; no slot). Any kind but
    ``cancel`` may also name a room.
    """

    __tablename__ = "timetable_change"
    __table_args__ = (
        Index("ix_timetable_change_day", "school_id", "on_date"),
        Index("ix_timetable_change_target_day", "school_id", "to_date"),
        Index("ix_timetable_change_slot", "slot_id", "on_date"),
        CheckConstraint("kind IN ('cancel', 'move', 'room', 'substitute', 'other_subject', 'merge', 'replacement')",
                        name="kind"),
        CheckConstraint("ends_on IS NULL OR ends_on >= on_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    on_date: Mapped[date] = mapped_column(Date)
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("timetable_slot.id", ondelete="RESTRICT"))
    subject_page_id: Mapped[int | None] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    replaced_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"))
    to_date: Mapped[date | None] = mapped_column(Date)
    to_number: Mapped[int | None]
    merged_slot_id: Mapped[int | None] = mapped_column(ForeignKey("timetable_slot.id", ondelete="RESTRICT"))
    ends_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


TIMETABLE_MODELS: tuple[type, ...] = (Room, Timetable, TimetableSlot, TimetableChange)
