"""The class journal's records: lessons, attendance, marks, and their append-only history.

A ``journal_lesson`` is one lesson of one subject page. Lessons of the timetable are created and
kept in step by ``plugins.journal.sync`` and are identified by the weekly slot and the date the
timetable planned them for (``slot_id``, ``slot_date``), so a lesson moved to another day keeps its
row and its data. A lesson the timetable no longer gives, but which already holds a topic,
attendance or marks, is never deleted: it becomes ``cancelled`` until its teacher decides.

Attendance rows exist only for students who were not simply present. Every change of a lesson's
fields, an attendance entry or a mark is written to ``journal_history`` in the same transaction.
Rows that people edit carry a ``version``: a stale write is refused, never silently applied.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, Time, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow

LESSON_ORIGINS = ("timetable", "extra")
LESSON_STATES = ("active", "cancelled")
# What the teacher decided about a cancelled lesson that held data.
DECISIONS = ("kept", "transferred", "discarded")
HISTORY_RECORDS = ("lesson", "attendance", "grade", "final")
# Final marks: a study period's, the year's, the exam's and the final (итоговая) one.
FINAL_KINDS = ("period", "year", "exam", "final")


def weight_of(hundredths: int) -> Decimal:
    return Decimal(hundredths) / 100


class JournalSettings(Base):
    """A school's journal rules. Absent row: the defaults."""

    __tablename__ = "journal_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), unique=True)
    allow_double_marks: Mapped[bool] = mapped_column(Boolean, default=True)
    # A period mark rounds up from this fraction of the average: 50 is half up (3,50 → 4).
    final_threshold_hundredths: Mapped[int] = mapped_column(default=50)
    version: Mapped[int] = mapped_column(default=1)  # of the rules form (double marks, threshold)
    # Raised by every change of the rules (kinds of work, codes, scales, the form above): saving a
    # cell checks it to reuse the rules it has read before.
    rules_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Final marks open this many days before their period ends; earlier only if the school allows.
    finals_open_days: Mapped[int] = mapped_column(default=7, server_default="7")
    finals_early: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Fewer marks than this in a period: «н/а» is proposed.
    finals_min_marks: Mapped[int] = mapped_column(default=3, server_default="3")
    # A final mark this far (or farther) from the average it was proposed from needs a comment.
    finals_comment_gap_hundredths: Mapped[int] = mapped_column(default=100, server_default="100")
    # Who may change the marks and attendance of a closed period (with a reason): writer roles,
    # comma-separated; "" nobody.
    amend_closed_roles: Mapped[str] = mapped_column(String(60), default="teacher,class_teacher",
                                                    server_default="teacher,class_teacher")
    # Lessons are filled by this time of the lesson's day (regulation 4.5), in the school's zone.
    fill_deadline: Mapped[time] = mapped_column(Time, default=time(17, 0), server_default="17:00:00")


class JournalWorkKind(Base):
    """A kind of work (ответ на уроке, контрольная работа ...) and the weight of its marks."""

    __tablename__ = "journal_work_kind"
    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        CheckConstraint("weight_hundredths BETWEEN 1 AND 1000", name="weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), default="")  # the default kind it was seeded from
    name: Mapped[str] = mapped_column(String(100))
    weight_hundredths: Mapped[int] = mapped_column(default=100)
    sort_order: Mapped[int] = mapped_column(default=0)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    marks_days: Mapped[int | None]  # its marks may come this many days after the lesson (a контрольная: 7)

    @property
    def weight(self) -> Decimal:
        return weight_of(self.weight_hundredths)


class JournalAttendanceCode(Base):
    """An attendance code (Н, Б, У, ОП): whether it is an absence and whether it is excused."""

    __tablename__ = "journal_attendance_code"
    __table_args__ = (UniqueConstraint("school_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(100))
    is_absence: Mapped[bool] = mapped_column(Boolean, default=True)
    excused: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(default=0)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)


class JournalSubjectScale(Base):
    """A subject the school marks on another scale than the default (зачёт / незачёт)."""

    __tablename__ = "journal_subject_scale"
    __table_args__ = (UniqueConstraint("school_id", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    scale: Mapped[str] = mapped_column(String(40))


class JournalLesson(Base):
    __tablename__ = "journal_lesson"
    __table_args__ = (
        UniqueConstraint("subject_page_id", "slot_id", "slot_date"),
        Index("ix_journal_lesson_page_day", "subject_page_id", "day"),
        Index("ix_journal_lesson_school_day", "school_id", "day"),
        Index("ix_journal_lesson_teacher_day", "teacher_id", "day"),
        Index("ix_journal_lesson_school_slot_date", "school_id", "slot_date"),
        CheckConstraint("origin IN ('timetable', 'extra')", name="origin"),
        CheckConstraint("state IN ('active', 'cancelled')", name="state"),
        CheckConstraint("decision IS NULL OR decision IN ('kept', 'transferred', 'discarded')", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    subject_page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[int | None]  # the lesson number of the day; an extra lesson may have none
    origin: Mapped[str] = mapped_column(String(10), default="timetable")
    # The weekly slot and the date the timetable planned the lesson for: its identity across moves.
    # A key, not a reference, so deleting a future timetable version never touches the journal.
    slot_id: Mapped[int | None]
    slot_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="active")
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    # «Замена»: who the timetable planned when someone else gives the lesson, and the change's kind.
    replaced_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    change_kind: Mapped[str | None] = mapped_column(String(16))
    change_id: Mapped[int | None]
    topic: Mapped[str] = mapped_column(String(500), default="")
    homework: Mapped[str] = mapped_column(Text, default="")
    homework_due: Mapped[date | None] = mapped_column(Date)
    no_homework: Mapped[bool] = mapped_column(Boolean, default=False)
    work_kind_id: Mapped[int | None] = mapped_column(ForeignKey("journal_work_kind.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(String(500), default="")
    decision: Mapped[str | None] = mapped_column(String(12))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    filled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when the topic was first entered
    attendance_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when the attendance was first taken
    # When the lesson first had its topic, attendance and homework (or «no homework»): what the
    # filling deadline is measured against (plugins/journal/deadlines.py).
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)
    # The plan item (and which of its hours) the lesson covers (plugins/journal/plan_feed.py), and
    # whether its topic and homework are the plan's text, so they follow the plan until typed over.
    plan_item_id: Mapped[int | None] = mapped_column(ForeignKey("journal_lesson_plan_item.id", ondelete="SET NULL"),
                                                     index=True)
    plan_hour: Mapped[int | None]
    plan_topic: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    plan_homework: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class JournalAttendance(Base):
    """A student who was not simply present at a lesson: the code, and who set it."""

    __tablename__ = "journal_attendance"
    __table_args__ = (UniqueConstraint("lesson_id", "student_id"), Index("ix_journal_attendance_student", "student_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("journal_lesson.id", ondelete="RESTRICT"))
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(String(300), default="")  # the class teacher's note: «справка»
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # when the code was last set (a reason added later leaves it): what is new to a family
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class JournalGrade(Base):
    """A mark of a student at a lesson, with its kind of work and weight (copied from the kind
    when posted, so a later change of the school's weights does not rewrite past averages)."""

    __tablename__ = "journal_grade"
    __table_args__ = (
        Index("ix_journal_grade_lesson", "lesson_id"),
        Index("ix_journal_grade_student", "student_id", "lesson_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("journal_lesson.id", ondelete="RESTRICT"))
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    mark: Mapped[str] = mapped_column(String(20))
    work_kind_id: Mapped[int] = mapped_column(ForeignKey("journal_work_kind.id", ondelete="RESTRICT"))
    weight_hundredths: Mapped[int] = mapped_column(default=100)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    @property
    def weight(self) -> Decimal:
        return weight_of(self.weight_hundredths)


class JournalHistory(Base):
    """One change of a journal record: who, when, the old and new value, why. Never updated or
    deleted. ``lesson_id``, ``subject_page_id`` and ``record_id`` are plain keys, so the history
    outlives the rows. A final mark's change has no lesson: its page, and ``field`` says which
    final it is («period:<study period id>», «year», «exam», «final»)."""

    __tablename__ = "journal_history"
    __table_args__ = (
        Index("ix_journal_history_lesson", "lesson_id", "student_id"),
        Index("ix_journal_history_page", "subject_page_id", "student_id"),
        CheckConstraint("(record = 'final') = (lesson_id IS NULL)", name="lesson"),
        CheckConstraint("record IN ('lesson', 'attendance', 'grade', 'final')", name="record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None]
    subject_page_id: Mapped[int | None]
    student_id: Mapped[int | None]
    record: Mapped[str] = mapped_column(String(12))
    record_id: Mapped[int | None]
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(300), default="")
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JournalFinalGrade(Base):
    """A student's final mark on a page: for a study period, the year, the exam or the final
    (итоговая) one. ``proposed`` is what the journal proposed when it was given; ``comment`` why
    the teacher gave another mark far from it. Changes go to ``journal_history`` (record
    ``final``, ``lesson_id`` 0, the page in ``record_id``'s row)."""

    __tablename__ = "journal_final_grade"
    __table_args__ = (
        UniqueConstraint("subject_page_id", "student_id", "kind", "study_period_id"),
        Index("ix_journal_final_grade_student", "student_id", "kind"),
        CheckConstraint("kind IN ('period', 'year', 'exam', 'final')", name="kind"),
        CheckConstraint("(kind = 'period') = (study_period_id IS NOT NULL)", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    subject_page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    study_period_id: Mapped[int | None] = mapped_column(ForeignKey("study_period.id", ondelete="RESTRICT"))
    mark: Mapped[str] = mapped_column(String(20))
    proposed: Mapped[str] = mapped_column(String(20), default="")
    comment: Mapped[str] = mapped_column(String(500), default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class JournalPeriodState(Base):
    """The deputy's decisions on a study period (``study_period_id``) or on the year's own final
    marks (year, exam, final: ``study_period_id`` NULL): the deadline for final marks and
    whether the period is closed. No row: open, no deadline."""

    __tablename__ = "journal_period_state"
    __table_args__ = (UniqueConstraint("academic_year_id", "study_period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    study_period_id: Mapped[int | None] = mapped_column(ForeignKey("study_period.id", ondelete="CASCADE"))
    finals_due: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class JournalCheck(Base):
    """The deputy's check of a class's or a teacher's journal (regulation 5.3, 6.4): when, of what,
    what was found and what is recommended. Its information note (информационная справка) reaches
    the teachers concerned when sent (within three working days of the check)."""

    __tablename__ = "journal_check"
    __table_args__ = (
        Index("ix_journal_check_school_day", "school_id", "checked_on"),
        CheckConstraint("(class_group_id IS NULL) <> (teacher_id IS NULL)", name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    checked_on: Mapped[date] = mapped_column(Date)
    class_group_id: Mapped[int | None] = mapped_column(ForeignKey("class_group.id", ondelete="CASCADE"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    subject: Mapped[str] = mapped_column(String(200), default="")  # what was checked: «ведение КТП», «объективность отметок»
    findings: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the note reached the teachers
    version: Mapped[int] = mapped_column(default=1)


class JournalCheckRecipient(Base):
    """A teacher the check's note is for, and when they read it (ознакомлен)."""

    __tablename__ = "journal_check_recipient"
    __table_args__ = (UniqueConstraint("check_id", "teacher_id"), Index("ix_journal_check_recipient_teacher", "teacher_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("journal_check.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JournalLessonPlan(Base):
    """A calendar-thematic plan (КТП) of a subject for a grade level in a school year, shared by
    that level's subject pages; or a page's own variant (``subject_page_id``), which that page uses
    instead. Its items are ``journal_lesson_plan_item`` rows in order."""

    __tablename__ = "journal_lesson_plan"
    __table_args__ = (
        CheckConstraint("grade_level BETWEEN 1 AND 11", name="grade_level"),
        UniqueConstraint("subject_page_id"),
        # One shared plan per year, subject and level (a page's variant is unique by its page).
        Index("ux_journal_lesson_plan_shared", "academic_year_id", "subject_id", "grade_level", unique=True,
              sqlite_where=text("subject_page_id IS NULL"), postgresql_where=text("subject_page_id IS NULL")),
        Index("ix_journal_lesson_plan_school_year", "school_id", "academic_year_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="RESTRICT"))
    grade_level: Mapped[int]
    subject_page_id: Mapped[int | None] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)  # raised by every change of the plan or its items


class JournalLessonPlanItem(Base):
    """One line of a plan: a topic of ``hours`` lessons, in ``position`` order."""

    __tablename__ = "journal_lesson_plan_item"
    __table_args__ = (
        Index("ix_journal_lesson_plan_item_plan", "plan_id", "position"),
        CheckConstraint("hours BETWEEN 1 AND 20", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("journal_lesson_plan.id", ondelete="CASCADE"))
    position: Mapped[int]
    section: Mapped[str] = mapped_column(String(300), default="")
    topic: Mapped[str] = mapped_column(String(500))
    hours: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(16), default="lesson")  # plugins/journal/plan_kinds.py
    homework: Mapped[str] = mapped_column(Text, default="")
    planned_on: Mapped[date | None] = mapped_column(Date)


class JournalPlanAdjustment(Base):
    """A page's own number of lessons for a plan item: 0 skips it there, more repeats it."""

    __tablename__ = "journal_plan_adjustment"
    __table_args__ = (
        UniqueConstraint("subject_page_id", "item_id"),
        CheckConstraint("hours BETWEEN 0 AND 40", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("journal_lesson_plan_item.id", ondelete="CASCADE"), index=True)
    hours: Mapped[int]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JournalPlanPage(Base):
    """A page's choices about its plan: whether lessons take their homework from it too."""

    __tablename__ = "journal_plan_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"), unique=True)
    homework_from_plan: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JournalSync(Base):
    """How far a school year's lessons have been created from the timetable."""

    __tablename__ = "journal_sync"
    __table_args__ = (UniqueConstraint("school_id", "academic_year_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    synced_to: Mapped[date] = mapped_column(Date)


JOURNAL_MODELS: tuple[type, ...] = (
    JournalSettings, JournalWorkKind, JournalAttendanceCode, JournalSubjectScale, JournalLesson, JournalAttendance,
    JournalGrade, JournalHistory, JournalSync, JournalFinalGrade, JournalPeriodState, JournalCheck, JournalCheckRecipient,
    JournalLessonPlan, JournalLessonPlanItem, JournalPlanAdjustment, JournalPlanPage,
)
