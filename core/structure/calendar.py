"""The year's calendar: academic years, grade-level settings, study periods, days without lessons
and bell schedules. Services flush, never commit: the caller's transaction holds the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from litestar.exceptions import NotFoundException
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import gettext as _
from core.structure import rules
from core.structure.common import StructureError, check_range, check_within_year, lock_school, overlapping, owned
from core.structure.models import (
    BELL_KINDS, DAY_KINDS, GRADE_LEVELS, PERIOD_COUNTS, PERIOD_KINDS, AcademicYear, Bell, BellSchedule, CalendarDays,
    GradeLevelSettings, StudyPeriod,
)


def year_name(starts_on: date, ends_on: date) -> str:
    return f"{starts_on.year}/{ends_on.year}" if ends_on.year != starts_on.year else str(starts_on.year)


def pick_year(years: list[AcademicYear], today: date, year_id: int | None = None) -> AcademicYear | None:
    """Of the school's ``years``: the one asked for (another school's id is a 404); else the one
    that holds ``today``; else the next one to come; else the latest."""
    if year_id is not None:
        found = next((year for year in years if year.id == year_id), None)
        if found is None:
            raise NotFoundException()
        return found
    in_order = sorted(years, key=lambda year: year.starts_on)
    current = next((year for year in in_order if year.starts_on <= today <= year.ends_on), None)
    coming = next((year for year in in_order if year.starts_on > today), None)
    return current or coming or (in_order[-1] if in_order else None)


async def years_of(session: AsyncSession, school_id: int) -> list[AcademicYear]:
    return list((await session.execute(
        select(AcademicYear).where(AcademicYear.school_id == school_id).order_by(AcademicYear.starts_on.desc())
    )).scalars())


@dataclass
class BellInput:
    starts_at: time
    ends_at: time


class CalendarService:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self.session, self.school_id = session, school_id

    # ---- years and their grade-level settings -------------------------------------------------

    async def create_year(self, starts_on: date | None, ends_on: date | None, *, days_per_week: int = 5) -> AcademicYear:
        """A year with settings for grade levels 1–11 (quarters in 1–9, half-years in 10–11;
        СанПиН limits; 33 study weeks in first grade, 34 in the others)."""
        check_range(starts_on, ends_on, open_end=False)
        assert starts_on is not None and ends_on is not None
        if (ends_on - starts_on).days < 28:
            raise StructureError("ends_on", _("A school year lasts longer than four weeks."))
        await lock_school(self.session, self.school_id)
        clash = await self.session.scalar(select(AcademicYear.name).where(
            AcademicYear.school_id == self.school_id, overlapping(AcademicYear.starts_on, AcademicYear.ends_on, starts_on, ends_on)))
        if clash:
            raise StructureError("starts_on", _("The dates overlap the school year %(year)s.", year=clash))
        year = AcademicYear(school_id=self.school_id, name=year_name(starts_on, ends_on), starts_on=starts_on, ends_on=ends_on)
        self.session.add(year)
        await self.session.flush()
        for level in GRADE_LEVELS:
            days = 5 if level == 1 else days_per_week
            self.session.add(GradeLevelSettings(
                school_id=self.school_id, academic_year_id=year.id, grade_level=level,
                period_kind=rules.default_period_kind(level), days_per_week=days,
                study_weeks=rules.default_study_weeks(level), weekly_limit=rules.weekly_limit(level, days),
                daily_limit=rules.daily_limit(level),
            ))
        await self.session.flush()
        return year

    async def settings(self, year: AcademicYear) -> list[GradeLevelSettings]:
        return list((await self.session.execute(
            select(GradeLevelSettings).where(GradeLevelSettings.academic_year_id == year.id).order_by(GradeLevelSettings.grade_level)
        )).scalars())

    async def update_level(self, year: AcademicYear, grade_level: int, *, period_kind: str, days_per_week: int,
                           study_weeks: int | None, weekly_limit: int | None,
                           daily_limit: int | None = None) -> GradeLevelSettings:
        """Change a grade level's scheme. An empty weekly or daily limit takes the СанПиН figure."""
        if period_kind not in PERIOD_KINDS:
            raise StructureError("period_kind", _("Choose quarters, trimesters or half-years."))
        if days_per_week not in (5, 6):
            raise StructureError("days_per_week", _("A school week has five or six days."))
        sanpin = rules.weekly_limit(grade_level, days_per_week)
        if sanpin is None:
            raise StructureError("days_per_week", _("First grade studies five days a week (СанПиН 1.2.3685-21)."))
        if study_weeks is None or not 1 <= study_weeks <= 52:
            raise StructureError("study_weeks", _("Enter the number of study weeks, from 1 to 52."))
        if weekly_limit is not None and not 1 <= weekly_limit <= 60:
            raise StructureError("weekly_limit", _("Enter the weekly maximum in hours, from 1 to 60."))
        if daily_limit is not None and not 1 <= daily_limit <= 12:
            raise StructureError("daily_limit", _("Enter the most lessons a day, from 1 to 12."))
        row = (await self.session.execute(select(GradeLevelSettings).where(
            GradeLevelSettings.academic_year_id == year.id, GradeLevelSettings.grade_level == grade_level))).scalar_one_or_none()
        if row is None:
            raise StructureError("grade_level", _("Choose a grade level from 1 to 11."))
        row.period_kind, row.days_per_week, row.study_weeks = period_kind, days_per_week, study_weeks
        row.weekly_limit = weekly_limit or sanpin
        row.daily_limit = daily_limit or rules.daily_limit(grade_level)
        await self.session.flush()
        return row

    # ---- study periods ------------------------------------------------------------------------

    async def periods(self, year: AcademicYear) -> list[StudyPeriod]:
        return list((await self.session.execute(
            select(StudyPeriod).where(StudyPeriod.academic_year_id == year.id).order_by(StudyPeriod.kind, StudyPeriod.number)
        )).scalars())

    async def add_period(self, year: AcademicYear, kind: str, number: int | None,
                         starts_on: date | None, ends_on: date | None) -> StudyPeriod:
        if kind not in PERIOD_KINDS:
            raise StructureError("kind", _("Choose quarters, trimesters or half-years."))
        if number is None or not 1 <= number <= PERIOD_COUNTS[kind]:
            raise StructureError("number", _("A year has %(count)s such periods: enter a number from 1 to %(count)s.",
                                             count=PERIOD_COUNTS[kind]))
        check_range(starts_on, ends_on, open_end=False)
        assert starts_on is not None and ends_on is not None
        check_within_year(year, starts_on, ends_on)
        await lock_school(self.session, self.school_id)
        same = (await self.session.execute(select(StudyPeriod).where(
            StudyPeriod.academic_year_id == year.id, StudyPeriod.kind == kind))).scalars().all()
        for other in same:
            if other.number == number:
                raise StructureError("number", _("This period is already in the calendar."))
            if rules.overlaps(starts_on, ends_on, other.starts_on, other.ends_on):
                raise StructureError("starts_on", _("The dates overlap period %(number)s.", number=other.number))
            if (other.number < number) != (other.starts_on < starts_on):
                raise StructureError("number", _("Periods follow each other in order of their numbers."))
        period = StudyPeriod(school_id=self.school_id, academic_year_id=year.id, kind=kind, number=number,
                             starts_on=starts_on, ends_on=ends_on)
        self.session.add(period)
        await self.session.flush()
        return period

    async def delete_period(self, year: AcademicYear, period_id: int) -> StudyPeriod:
        period = await owned(self.session, StudyPeriod, period_id, self.school_id)
        if period.academic_year_id != year.id:
            raise StructureError("period", _("This period belongs to another year."))
        await self.session.delete(period)
        await self.session.flush()
        return period

    # ---- vacations, holidays, shortened days --------------------------------------------------

    async def days(self, year: AcademicYear) -> list[CalendarDays]:
        return list((await self.session.execute(
            select(CalendarDays).where(CalendarDays.academic_year_id == year.id).order_by(CalendarDays.starts_on, CalendarDays.id)
        )).scalars())

    async def add_days(self, year: AcademicYear, *, kind: str, name: str, starts_on: date | None, ends_on: date | None,
                       grade_from: int | None = 1, grade_to: int | None = 11) -> CalendarDays:
        if kind not in DAY_KINDS:
            raise StructureError("kind", _("Choose a vacation, a holiday or a shortened day."))
        name = " ".join(name.split())
        if not name or len(name) > 200:
            raise StructureError("name", _("Name the days, e.g. «Осенние каникулы».") if not name else _("The name is too long."))
        if ends_on is None:
            ends_on = starts_on  # one day
        check_range(starts_on, ends_on)
        assert starts_on is not None
        check_within_year(year, starts_on, ends_on)
        if grade_from is None or grade_to is None or not 1 <= grade_from <= grade_to <= 11:
            raise StructureError("grade_from", _("Choose grade levels from 1 to 11, the first not above the last."))
        row = CalendarDays(school_id=self.school_id, academic_year_id=year.id, kind=kind, name=name,
                           starts_on=starts_on, ends_on=ends_on, grade_from=grade_from, grade_to=grade_to)
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete_days(self, year: AcademicYear, days_id: int) -> CalendarDays:
        row = await owned(self.session, CalendarDays, days_id, self.school_id)
        if row.academic_year_id != year.id:
            raise StructureError("days", _("These days belong to another year."))
        await self.session.delete(row)
        await self.session.flush()
        return row

    # ---- bell schedules -----------------------------------------------------------------------

    async def bell_schedules(self, year: AcademicYear) -> list[tuple[BellSchedule, list[Bell]]]:
        schedules = list((await self.session.execute(
            select(BellSchedule).where(BellSchedule.academic_year_id == year.id)
            .order_by(BellSchedule.shift, BellSchedule.kind, BellSchedule.valid_from, BellSchedule.id)
        )).scalars())
        bells: dict[int, list[Bell]] = {schedule.id: [] for schedule in schedules}
        for bell in (await self.session.execute(
            select(Bell).where(Bell.bell_schedule_id.in_(list(bells))).order_by(Bell.number)
        )).scalars():
            bells[bell.bell_schedule_id].append(bell)
        return [(schedule, bells[schedule.id]) for schedule in schedules]

    async def add_bell_schedule(self, year: AcademicYear, *, name: str, shift: int | None, kind: str,
                                grade_level: int | None, valid_from: date | None, valid_to: date | None,
                                bells: list[BellInput]) -> BellSchedule:
        """Lessons are numbered 1, 2, ... in the order given; each ends after it starts and
        before the next one starts."""
        name = " ".join(name.split())
        if not name or len(name) > 200:
            raise StructureError("name", _("Name the schedule, e.g. «1 смена».") if not name else _("The name is too long."))
        if shift not in (1, 2):
            raise StructureError("shift", _("Choose the first or the second shift."))
        if kind not in BELL_KINDS:
            raise StructureError("kind", _("Choose the kind of schedule."))
        if grade_level is not None and grade_level not in GRADE_LEVELS:
            raise StructureError("grade_level", _("Choose a grade level from 1 to 11."))
        if kind == "stepped" and (grade_level != 1 or valid_from is None or valid_to is None):
            raise StructureError("kind", _("The stepped mode is for first grade, with its dates (e.g. September – October)."))
        if valid_from is not None or valid_to is not None:
            check_range(valid_from, valid_to, "valid_to")
            assert valid_from is not None
            check_within_year(year, valid_from, valid_to, "valid_from")
        if not bells:
            raise StructureError("bells", _("Enter the lesson times, e.g. 08:00–08:40."))
        if len(bells) > 12:
            raise StructureError("bells", _("A day has at most 12 lessons."))
        for number, bell in enumerate(bells, start=1):
            if bell.ends_at <= bell.starts_at:
                raise StructureError("bells", _("Lesson %(number)s ends before it starts.", number=number))
            if number > 1 and bell.starts_at < bells[number - 2].ends_at:
                raise StructureError("bells", _("Lesson %(number)s starts before the previous one ends.", number=number))
        schedule = BellSchedule(school_id=self.school_id, academic_year_id=year.id, name=name, shift=shift, kind=kind,
                                grade_level=grade_level, valid_from=valid_from, valid_to=valid_to)
        self.session.add(schedule)
        await self.session.flush()
        self.session.add_all(Bell(bell_schedule_id=schedule.id, number=number, starts_at=bell.starts_at, ends_at=bell.ends_at)
                             for number, bell in enumerate(bells, start=1))
        await self.session.flush()
        return schedule

    async def delete_bell_schedule(self, year: AcademicYear, schedule_id: int) -> BellSchedule:
        schedule = await owned(self.session, BellSchedule, schedule_id, self.school_id)
        if schedule.academic_year_id != year.id:
            raise StructureError("bells", _("This schedule belongs to another year."))
        await self.session.execute(delete(Bell).where(Bell.bell_schedule_id == schedule.id))
        await self.session.delete(schedule)
        await self.session.flush()
        return schedule

    # ---- derived facts ------------------------------------------------------------------------

    async def calendar_weeks(self, year: AcademicYear, settings: list[GradeLevelSettings]) -> dict[int, int]:
        """Study weeks the calendar really holds per grade level, shown beside the set figure as a
        check: its lesson days (the level's 5 or 6 days a week, not a vacation or holiday) from the
        first to the last day of the level's study periods (the year, if it has none), in weeks."""
        days_off = (await self.session.execute(
            select(CalendarDays.starts_on, CalendarDays.ends_on, CalendarDays.grade_from, CalendarDays.grade_to)
            .where(CalendarDays.academic_year_id == year.id, CalendarDays.kind != "shortened"))).all()
        spans = {kind: (start, end) for kind, start, end in (await self.session.execute(
            select(StudyPeriod.kind, func.min(StudyPeriod.starts_on), func.max(StudyPeriod.ends_on))
            .where(StudyPeriod.academic_year_id == year.id).group_by(StudyPeriod.kind))).all()}
        result: dict[int, int] = {}
        for level in settings:
            starts, ends = spans.get(level.period_kind, (year.starts_on, year.ends_on))
            off = [(row.starts_on, row.ends_on) for row in days_off if row.grade_from <= level.grade_level <= row.grade_to]
            result[level.grade_level] = count_study_weeks(starts, ends, off, level.days_per_week)
        return result


def count_study_weeks(starts_on: date, ends_on: date, days_off: list[tuple[date, date]], days_per_week: int) -> int:
    """Lesson days between the dates (the first ``days_per_week`` days of each week, not a day off)
    counted in whole weeks: 168 lesson days of a 5-day week are 34 weeks (33,6 rounded)."""
    lesson_days, day = 0, starts_on
    while day <= ends_on:
        if day.weekday() < days_per_week and not any(start <= day <= end for start, end in days_off):
            lesson_days += 1
        day += timedelta(days=1)
    return round(lesson_days / days_per_week)
