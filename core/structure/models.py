"""The school's structure for a year (regulation 2.2, 3.7; DESIGN §5): the calendar, the classes
and study groups, the subjects, the curriculum, the subject pages and the teaching load.

Everything carries ``school_id``; everything that changes during the year carries a date range
(``starts_on`` .. ``ends_on``, both inclusive; an open end is ``None``). Hours are stored in
halves (``half_hours``) because curricula use 0.5 hours a week and floats do not add up exactly.
"""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.i18n import N_

PERIOD_KINDS = ("quarter", "trimester", "half_year")
PERIOD_NAMES = {"quarter": N_("quarter %(number)s"), "trimester": N_("trimester %(number)s"),
                "half_year": N_("half-year %(number)s")}
PERIOD_COUNTS = {"quarter": 4, "trimester": 3, "half_year": 2}
GRADE_LEVELS = tuple(range(1, 12))
DAY_KINDS = ("vacation", "holiday", "shortened")
BELL_KINDS = ("regular", "shortened", "stepped")
CURRICULUM_PATTERNS = ("weekly", "alternate_weeks", "first_half", "second_half")


class AcademicYear(Base):
    """One school year, e.g. 2026/2027 from 1 September to 31 May (lessons)."""

    __tablename__ = "academic_year"
    __table_args__ = (
        UniqueConstraint("school_id", "starts_on"),
        CheckConstraint("ends_on > starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))  # «2026/2027»
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class GradeLevelSettings(Base):
    """How one grade level studies in one year: its period scheme, its week, its study weeks and
    its weekly and daily maximum of lessons (СанПиН 1.2.3685-21 by default; the school may adjust them)."""

    __tablename__ = "grade_level_settings"
    __table_args__ = (
        UniqueConstraint("academic_year_id", "grade_level"),
        CheckConstraint("grade_level BETWEEN 1 AND 11", name="grade_level"),
        CheckConstraint("days_per_week IN (5, 6)", name="days_per_week"),
        CheckConstraint("study_weeks BETWEEN 1 AND 52", name="study_weeks"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    grade_level: Mapped[int]
    period_kind: Mapped[str] = mapped_column(String(16))  # PERIOD_KINDS
    days_per_week: Mapped[int]
    study_weeks: Mapped[int]
    weekly_limit: Mapped[int]  # the most lessons a week, in whole hours
    daily_limit: Mapped[int] = mapped_column(default=7, server_default="7")  # the most lessons a day


class StudyPeriod(Base):
    """A quarter, trimester or half-year of a year; grade levels using that kind share it."""

    __tablename__ = "study_period"
    __table_args__ = (
        UniqueConstraint("academic_year_id", "kind", "number"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # PERIOD_KINDS
    number: Mapped[int]
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class CalendarDays(Base):
    """Days without lessons (a vacation, a holiday) or with shortened lessons, for a range of
    grade levels (the extra February vacation is for grade 1 only)."""

    __tablename__ = "calendar_days"
    __table_args__ = (
        Index("ix_calendar_days_year_start", "academic_year_id", "starts_on"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint("grade_from BETWEEN 1 AND 11 AND grade_to BETWEEN grade_from AND 11", name="grades"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # DAY_KINDS
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    grade_from: Mapped[int] = mapped_column(default=1)
    grade_to: Mapped[int] = mapped_column(default=11)


class BellSchedule(Base):
    """Lesson times of one shift: the regular day, a shortened day, or first grade's stepped mode
    (three 35-minute lessons in September–October, ...) for a date range within the year."""

    __tablename__ = "bell_schedule"
    __table_args__ = (
        CheckConstraint("shift IN (1, 2)", name="shift"),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    shift: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(16), default="regular")  # BELL_KINDS
    grade_level: Mapped[int | None]  # None: every grade level of the shift
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class Bell(Base):
    """Lesson ``number`` of a bell schedule: from ``starts_at`` to ``ends_at`` (local time)."""

    __tablename__ = "bell"
    __table_args__ = (
        UniqueConstraint("bell_schedule_id", "number"),
        CheckConstraint("ends_at > starts_at", name="times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bell_schedule_id: Mapped[int] = mapped_column(ForeignKey("bell_schedule.id", ondelete="CASCADE"))
    number: Mapped[int]
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)


class Subject(Base):
    """A subject of the school's list; archived rather than deleted, so old pages keep it."""

    __tablename__ = "subject"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_archived: Mapped[bool] = mapped_column(default=False)


class ClassGroup(Base):
    """A homeroom class of one year, e.g. 5А: grade level 5, letter «А»."""

    __tablename__ = "class_group"
    __table_args__ = (
        UniqueConstraint("academic_year_id", "grade_level", "letter"),
        CheckConstraint("grade_level BETWEEN 1 AND 11", name="grade_level"),
        CheckConstraint("shift IN (1, 2)", name="shift"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    grade_level: Mapped[int]
    letter: Mapped[str] = mapped_column(String(10))
    shift: Mapped[int] = mapped_column(default=1)

    @property
    def name(self) -> str:
        return f"{self.grade_level}{self.letter}"


class ClassTeacherAppointment(Base):
    """A class teacher (классный руководитель) of a class for a date range."""

    __tablename__ = "class_teacher_appointment"
    __table_args__ = (
        Index("ix_class_teacher_appointment_teacher", "teacher_id", "starts_on"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    class_group_id: Mapped[int] = mapped_column(ForeignKey("class_group.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class StudyGroup(Base):
    """Part of one class (English, group 1) or a group across classes of one grade level (a
    profile group, an elective). Its classes are ``StudyGroupClass`` rows."""

    __tablename__ = "study_group"
    __table_args__ = (
        UniqueConstraint("academic_year_id", "name"),
        CheckConstraint("grade_level BETWEEN 1 AND 11", name="grade_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    grade_level: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))  # «5А, английский язык, гр. 1»
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id", ondelete="RESTRICT"))


class StudyGroupClass(Base):
    """A class a study group draws its students from."""

    __tablename__ = "study_group_class"
    __table_args__ = (UniqueConstraint("study_group_id", "class_group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_group_id: Mapped[int] = mapped_column(ForeignKey("study_group.id", ondelete="CASCADE"))
    class_group_id: Mapped[int] = mapped_column(ForeignKey("class_group.id", ondelete="CASCADE"), index=True)


class StudyGroupMember(Base):
    """A student in a study group for a date range."""

    __tablename__ = "study_group_member"
    __table_args__ = (
        Index("ix_study_group_member_group", "study_group_id", "starts_on"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_group_id: Mapped[int] = mapped_column(ForeignKey("study_group.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class CurriculumLine(Base):
    """The curriculum (учебный план): hours a week of a subject in a grade level, in halves.

    ``pattern``: every week; every other week (``half_hours`` is then the weekly average); or in
    one half-year only (the hours a week during that half)."""

    __tablename__ = "curriculum_line"
    __table_args__ = (
        UniqueConstraint("academic_year_id", "grade_level", "subject_id"),
        CheckConstraint("grade_level BETWEEN 1 AND 11", name="grade_level"),
        CheckConstraint("half_hours BETWEEN 1 AND 40", name="half_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    grade_level: Mapped[int]
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="RESTRICT"))
    half_hours: Mapped[int]
    pattern: Mapped[str] = mapped_column(String(16), default="weekly")  # CURRICULUM_PATTERNS


class SubjectPage(Base):
    """A page of the journal: a class or a study group × a subject × a year. It keeps its identity
    when its teacher changes; teachers come and go through ``TeachingAssignment``."""

    __tablename__ = "subject_page"
    __table_args__ = (
        UniqueConstraint("class_group_id", "subject_id"),
        UniqueConstraint("study_group_id", "subject_id"),
        CheckConstraint("(class_group_id IS NULL) <> (study_group_id IS NULL)", name="class_or_group"),
        Index("ix_subject_page_year", "academic_year_id", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="RESTRICT"))
    class_group_id: Mapped[int | None] = mapped_column(ForeignKey("class_group.id", ondelete="CASCADE"))
    study_group_id: Mapped[int | None] = mapped_column(ForeignKey("study_group.id", ondelete="CASCADE"))


class TeachingAssignment(Base):
    """The load: a teacher gives ``half_hours``/2 hours a week on a subject page for a date range."""

    __tablename__ = "teaching_assignment"
    __table_args__ = (
        Index("ix_teaching_assignment_teacher", "teacher_id", "starts_on"),
        Index("ix_teaching_assignment_page", "subject_page_id", "starts_on"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
        CheckConstraint("half_hours BETWEEN 1 AND 40", name="half_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    subject_page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    half_hours: Mapped[int]
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class UngradedRule(Base):
    """«Без отметок»: no marks for a subject (or every subject), in a grade level or one class (or
    every class), in one study period (or the whole year). First grade; ОРКСЭ by the school's choice."""

    __tablename__ = "ungraded_rule"
    __table_args__ = (
        Index("ix_ungraded_rule_year", "academic_year_id"),
        CheckConstraint("grade_level IS NULL OR grade_level BETWEEN 1 AND 11", name="grade_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    grade_level: Mapped[int | None]
    class_group_id: Mapped[int | None] = mapped_column(ForeignKey("class_group.id", ondelete="CASCADE"))
    study_period_id: Mapped[int | None] = mapped_column(ForeignKey("study_period.id", ondelete="CASCADE"))


STRUCTURE_MODELS: tuple[type, ...] = (
    AcademicYear, GradeLevelSettings, StudyPeriod, CalendarDays, BellSchedule, Bell, Subject, ClassGroup,
    ClassTeacherAppointment, StudyGroup, StudyGroupClass, StudyGroupMember, CurriculumLine, SubjectPage,
    TeachingAssignment, UngradedRule,
)
