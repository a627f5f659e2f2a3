"""The curriculum (учебный план), the subject pages made from it, the teaching load on those pages
and the «без отметок» rules (regulation 3.7, 3.10)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.i18n import gettext as _
from core.structure import rules
from core.structure.common import (
    StructureError, active_on, check_range, check_within_year, lock_school, overlapping, owned, require_staff,
    shorten,
)
from core.structure.models import (
    CURRICULUM_PATTERNS, GRADE_LEVELS, AcademicYear, ClassGroup, CurriculumLine, GradeLevelSettings, StudyGroup,
    StudyGroupClass, StudyPeriod, Subject, SubjectPage, TeachingAssignment, UngradedRule,
)


@dataclass
class CurriculumTable:
    """The curriculum of a year as a table: subjects × grade levels, with totals and warnings."""

    levels: list[GradeLevelSettings]
    subjects: list[Subject]
    cells: dict[tuple[int, int], CurriculumLine]  # (subject id, grade level) → line
    loads: dict[int, rules.LevelLoad]
    warnings: dict[int, str] = field(default_factory=dict)  # grade level → message

    def yearly(self, line: CurriculumLine) -> int:
        settings = next(level for level in self.levels if level.grade_level == line.grade_level)
        return rules.yearly_half_hours(line.half_hours, line.pattern, settings.study_weeks)


def over_limit_message(level: GradeLevelSettings, weekly: int) -> str:
    return _("Grade %(level)s: %(hours)s hours a week, over the maximum of %(limit)s for a %(days)s-day week.",
             level=level.grade_level, hours=rules.hours_text(weekly), limit=level.weekly_limit, days=level.days_per_week)


class CurriculumService:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self.session, self.school_id = session, school_id

    async def level_settings(self, year: AcademicYear) -> list[GradeLevelSettings]:
        return list((await self.session.execute(select(GradeLevelSettings).where(
            GradeLevelSettings.academic_year_id == year.id).order_by(GradeLevelSettings.grade_level))).scalars())

    async def table(self, year: AcademicYear) -> CurriculumTable:
        """Three statements, whatever the number of subjects and levels."""
        levels = await self.level_settings(year)
        lines = list((await self.session.execute(
            select(CurriculumLine).where(CurriculumLine.academic_year_id == year.id))).scalars())
        used = {line.subject_id for line in lines}
        subjects = [subject for subject in (await self.session.execute(
            select(Subject).where(Subject.school_id == self.school_id).order_by(Subject.sort_order, Subject.name))).scalars()
            if not subject.is_archived or subject.id in used]
        table = CurriculumTable(levels, subjects, {(line.subject_id, line.grade_level): line for line in lines}, {})
        for level in levels:
            load = rules.level_load(((line.half_hours, line.pattern) for line in lines if line.grade_level == level.grade_level),
                                    level.study_weeks)
            table.loads[level.grade_level] = load
            if load.weekly > 2 * level.weekly_limit:
                table.warnings[level.grade_level] = over_limit_message(level, load.weekly)
        return table

    async def set_hours(self, year: AcademicYear, *, grade_level: int | None, subject_id: int | None,
                        half_hours: int | None, pattern: str = "weekly") -> CurriculumLine | None:
        """Set (or with 0 hours remove) a subject's hours in a grade level; refused when the level
        would go over its weekly maximum or below the load already given on its pages."""
        if grade_level not in GRADE_LEVELS:
            raise StructureError("grade_level", _("Choose a grade level from 1 to 11."))
        if subject_id is None:
            raise StructureError("subject_id", _("Choose a subject."))
        subject = await owned(self.session, Subject, subject_id, self.school_id)
        if half_hours is None or not 0 <= half_hours <= 40:
            raise StructureError("hours", _("Enter whole or half hours a week, e.g. 3 or 0,5 (at most 20)."))
        if pattern not in CURRICULUM_PATTERNS:
            raise StructureError("pattern", _("Choose how the subject is taught through the year."))
        await lock_school(self.session, self.school_id)
        level = (await self.session.execute(select(GradeLevelSettings).where(
            GradeLevelSettings.academic_year_id == year.id, GradeLevelSettings.grade_level == grade_level))).scalar_one()
        line = (await self.session.execute(select(CurriculumLine).where(
            CurriculumLine.academic_year_id == year.id, CurriculumLine.grade_level == grade_level,
            CurriculumLine.subject_id == subject_id))).scalar_one_or_none()
        others = (await self.session.execute(select(CurriculumLine.half_hours, CurriculumLine.pattern).where(
            CurriculumLine.academic_year_id == year.id, CurriculumLine.grade_level == grade_level,
            CurriculumLine.subject_id != subject_id))).all()
        load = rules.level_load([*((row.half_hours, row.pattern) for row in others), *([(half_hours, pattern)] if half_hours else [])],
                                level.study_weeks)
        if load.weekly > 2 * level.weekly_limit:
            raise StructureError("hours", over_limit_message(level, load.weekly))
        given = await self._most_assigned(year, grade_level, subject_id)
        if half_hours < given:
            raise StructureError("hours", _(
                "Teachers already have %(given)s hours a week of %(subject)s on a page of grade %(level)s: change the load first.",
                given=rules.hours_text(given), subject=subject.name, level=grade_level))
        if not half_hours:
            if line is not None:
                await self.session.delete(line)
                await self.session.flush()
            return None
        if line is None:
            line = CurriculumLine(school_id=self.school_id, academic_year_id=year.id, grade_level=grade_level,
                                  subject_id=subject_id, half_hours=half_hours, pattern=pattern)
            self.session.add(line)
        else:
            line.half_hours, line.pattern = half_hours, pattern
        await self.session.flush()
        return line

    async def _most_assigned(self, year: AcademicYear, grade_level: int, subject_id: int) -> int:
        """The most half-hours any one page of this subject and grade level carries at once."""
        by_page: dict[int, list[tuple[date, date | None, int]]] = {}
        for page_id, starts_on, ends_on, half_hours in (await self.session.execute(
            select(TeachingAssignment.subject_page_id, TeachingAssignment.starts_on, TeachingAssignment.ends_on,
                   TeachingAssignment.half_hours)
            .join(SubjectPage, SubjectPage.id == TeachingAssignment.subject_page_id)
            .where(SubjectPage.academic_year_id == year.id, SubjectPage.subject_id == subject_id,
                   page_grade_level(SubjectPage) == grade_level))).all():
            by_page.setdefault(page_id, []).append((starts_on, ends_on, half_hours))
        return max((peak_hours(ranges) for ranges in by_page.values()), default=0)


def page_grade_level(page: type[SubjectPage]):  # type: ignore[no-untyped-def]
    """SQL: a page's grade level, from its class or its study group."""
    return func.coalesce(
        select(ClassGroup.grade_level).where(ClassGroup.id == page.class_group_id).scalar_subquery(),
        select(StudyGroup.grade_level).where(StudyGroup.id == page.study_group_id).scalar_subquery(),
    )


def peak_hours(ranges: list[tuple[date, date | None, int]]) -> int:
    """The most hours given at once by assignments that overlap (each start day is a candidate)."""
    return max((sum(hours for start, end, hours in ranges if rules.overlaps(day, day, start, end))
                for day, _end, _hours in ranges), default=0)


@dataclass
class PageRow:
    """A subject page as lists show it: what it is and who teaches it on the day."""

    id: int
    subject: str
    holder: str  # «5А» or the group's name
    grade_level: int
    class_group_id: int | None
    study_group_id: int | None
    teachers: list[tuple[int, str, int]] = field(default_factory=list)  # (teacher id, name, half-hours)
    curriculum: int = 0  # half-hours a week in the curriculum

    @property
    def assigned(self) -> int:
        return sum(hours for _id, _name, hours in self.teachers)


class PageService:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self.session, self.school_id = session, school_id

    # ---- pages --------------------------------------------------------------------------------

    async def generate(self, year: AcademicYear) -> int:
        """Make the pages the curriculum asks for: for each class and each subject of its grade
        level a class page, or the pages of its study groups for that subject. Existing pages stay."""
        await lock_school(self.session, self.school_id)
        classes = list((await self.session.execute(select(ClassGroup).where(ClassGroup.academic_year_id == year.id))).scalars())
        lines = (await self.session.execute(select(CurriculumLine.grade_level, CurriculumLine.subject_id).where(
            CurriculumLine.academic_year_id == year.id))).all()
        grouped = (await self.session.execute(
            select(StudyGroupClass.class_group_id, StudyGroup.subject_id, StudyGroup.id)
            .join(StudyGroup, StudyGroup.id == StudyGroupClass.study_group_id)
            .where(StudyGroup.academic_year_id == year.id, StudyGroup.subject_id.is_not(None)))).all()
        groups_of: dict[tuple[int, int], list[int]] = {}
        for class_id, subject_id, group_id in grouped:
            groups_of.setdefault((class_id, subject_id), []).append(group_id)
        existing = set((await self.session.execute(select(
            SubjectPage.subject_id, SubjectPage.class_group_id, SubjectPage.study_group_id).where(
            SubjectPage.academic_year_id == year.id))).all())
        wanted: set[tuple[int, int | None, int | None]] = set()
        for class_group in classes:
            for level, subject_id in lines:
                if level != class_group.grade_level:
                    continue
                groups = groups_of.get((class_group.id, subject_id))
                wanted |= {(subject_id, None, group_id) for group_id in groups} if groups else {(subject_id, class_group.id, None)}
        new = sorted(wanted - existing, key=lambda key: (key[0], key[1] or 0, key[2] or 0))
        self.session.add_all(SubjectPage(school_id=self.school_id, academic_year_id=year.id, subject_id=subject_id,
                                         class_group_id=class_id, study_group_id=group_id) for subject_id, class_id, group_id in new)
        await self.session.flush()
        return len(new)

    async def add_page(self, year: AcademicYear, *, subject_id: int | None, holder: str) -> SubjectPage:
        """``holder``: «c<class id>» or «g<group id>»."""
        if subject_id is None:
            raise StructureError("subject_id", _("Choose a subject."))
        await owned(self.session, Subject, subject_id, self.school_id)
        kind, raw = holder[:1], holder[1:]
        object_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
        model = {"c": ClassGroup, "g": StudyGroup}.get(kind)
        if model is None or object_id is None:
            raise StructureError("holder", _("Choose a class or a study group."))
        found = await owned(self.session, model, object_id, self.school_id)  # type: ignore[type-var]
        if found.academic_year_id != year.id:
            raise StructureError("holder", _("Choose a class or a study group of this school year."))
        await lock_school(self.session, self.school_id)
        column = SubjectPage.class_group_id if kind == "c" else SubjectPage.study_group_id
        if await self.session.scalar(select(SubjectPage.id).where(column == object_id, SubjectPage.subject_id == subject_id)):
            raise StructureError("holder", _("This page already exists."))
        page = SubjectPage(school_id=self.school_id, academic_year_id=year.id, subject_id=subject_id,
                           class_group_id=object_id if kind == "c" else None, study_group_id=object_id if kind == "g" else None)
        self.session.add(page)
        await self.session.flush()
        return page

    async def rows(self, year: AcademicYear, on_day: date, *, page_ids: list[int] | None = None,
                   teacher_id: int | None = None, class_group_id: int | None = None, subject_id: int | None = None) -> list[PageRow]:
        """Pages with their teachers on ``on_day`` and their curriculum hours: three statements.
        A class filter includes the pages of study groups drawing on that class."""
        query = (select(SubjectPage.id, SubjectPage.class_group_id, SubjectPage.study_group_id, Subject.name.label("subject"),
                        Subject.sort_order, ClassGroup.grade_level.label("class_level"), ClassGroup.letter,
                        StudyGroup.name.label("group_name"), StudyGroup.grade_level.label("group_level"), Subject.id.label("subject_id"))
                 .join(Subject, Subject.id == SubjectPage.subject_id)
                 .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
                 .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
                 .where(SubjectPage.academic_year_id == year.id, SubjectPage.school_id == self.school_id))
        if page_ids is not None:
            query = query.where(SubjectPage.id.in_(page_ids))
        if subject_id is not None:
            query = query.where(SubjectPage.subject_id == subject_id)
        if class_group_id is not None:
            query = query.where(or_(SubjectPage.class_group_id == class_group_id, SubjectPage.study_group_id.in_(
                select(StudyGroupClass.study_group_id).where(StudyGroupClass.class_group_id == class_group_id))))
        if teacher_id is not None:
            query = query.where(SubjectPage.id.in_(select(TeachingAssignment.subject_page_id).where(
                TeachingAssignment.teacher_id == teacher_id,
                active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, on_day))))
        found = (await self.session.execute(query)).all()
        rows = {row.id: PageRow(
            id=row.id, subject=row.subject, holder=f"{row.class_level}{row.letter}" if row.class_group_id else row.group_name,
            grade_level=row.class_level or row.group_level, class_group_id=row.class_group_id, study_group_id=row.study_group_id,
        ) for row in found}
        # By grade level, then holder («5А» before «5А, английский язык, гр. 1»), then the school's subject order.
        order = {row.id: (rows[row.id].grade_level, rows[row.id].holder, row.sort_order, row.subject) for row in found}
        subject_of = {row.id: row.subject_id for row in found}
        if rows:
            for page_id, teacher, name, hours in (await self.session.execute(
                select(TeachingAssignment.subject_page_id, TeachingAssignment.teacher_id, UserAccount.full_name,
                       TeachingAssignment.half_hours)
                .join(UserAccount, UserAccount.id == TeachingAssignment.teacher_id)
                .where(TeachingAssignment.subject_page_id.in_(list(rows)),
                       active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, on_day))
                .order_by(UserAccount.full_name))).all():
                rows[page_id].teachers.append((teacher, name, hours))
            curriculum = {(line.grade_level, line.subject_id): line.half_hours for line in (await self.session.execute(
                select(CurriculumLine.grade_level, CurriculumLine.subject_id, CurriculumLine.half_hours).where(
                    CurriculumLine.academic_year_id == year.id))).all()}
            for row in rows.values():
                row.curriculum = curriculum.get((row.grade_level, subject_of[row.id]), 0)
        return sorted(rows.values(), key=lambda row: order[row.id])

    # ---- the load -----------------------------------------------------------------------------

    async def assignments(self, page_id: int) -> list[tuple[TeachingAssignment, str]]:
        return [(assignment, name) for assignment, name in (await self.session.execute(
            select(TeachingAssignment, UserAccount.full_name).join(UserAccount, UserAccount.id == TeachingAssignment.teacher_id)
            .where(TeachingAssignment.subject_page_id == page_id).order_by(TeachingAssignment.starts_on, TeachingAssignment.id)
        )).all()]

    async def curriculum_hours(self, page: SubjectPage) -> int:
        level = await self.session.scalar(select(page_grade_level(SubjectPage)).where(SubjectPage.id == page.id))
        return int(await self.session.scalar(select(CurriculumLine.half_hours).where(
            CurriculumLine.academic_year_id == page.academic_year_id, CurriculumLine.grade_level == level,
            CurriculumLine.subject_id == page.subject_id)) or 0)

    async def assign(self, page: SubjectPage, *, teacher_id: int | None, half_hours: int | None,
                     starts_on: date | None, ends_on: date | None) -> TeachingAssignment:
        """A teacher on a page for dates; at no day may the page carry more hours than the curriculum gives."""
        await require_staff(self.session, self.school_id, teacher_id)
        if half_hours is None or not 1 <= half_hours <= 40:
            raise StructureError("hours", _("Enter whole or half hours a week, e.g. 3 or 0,5 (at most 20)."))
        check_range(starts_on, ends_on)
        assert starts_on is not None and teacher_id is not None
        year = await self.session.get(AcademicYear, page.academic_year_id)
        assert year is not None
        check_within_year(year, starts_on, ends_on)
        await lock_school(self.session, self.school_id)
        allowed = await self.curriculum_hours(page)
        if not allowed:
            raise StructureError("hours", _("The curriculum has no hours for this subject in this grade level: add them first."))
        current = (await self.session.execute(select(
            TeachingAssignment.starts_on, TeachingAssignment.ends_on, TeachingAssignment.half_hours, TeachingAssignment.teacher_id).where(
            TeachingAssignment.subject_page_id == page.id,
            overlapping(TeachingAssignment.starts_on, TeachingAssignment.ends_on, starts_on, ends_on)))).all()
        if any(row.teacher_id == teacher_id for row in current):
            raise StructureError("teacher_id", _("This teacher is already on the page for these dates."))
        peak = peak_hours([(max(row.starts_on, starts_on), row.ends_on, row.half_hours) for row in current]
                          + [(starts_on, ends_on, half_hours)])
        if peak > allowed:
            raise StructureError("hours", _(
                "The load would be %(load)s hours a week, more than the curriculum's %(allowed)s for this page.",
                load=rules.hours_text(peak), allowed=rules.hours_text(allowed)))
        assignment = TeachingAssignment(school_id=self.school_id, subject_page_id=page.id, teacher_id=teacher_id,
                                        half_hours=half_hours, starts_on=starts_on, ends_on=ends_on)
        self.session.add(assignment)
        await self.session.flush()
        return assignment

    async def end_assignment(self, assignment: TeachingAssignment, ends_on: date | None) -> None:
        """The teacher leaves the page after ``ends_on``; the page and its journal stay."""
        await shorten(self.session, assignment, ends_on, select(AcademicYear).join(
            SubjectPage, SubjectPage.academic_year_id == AcademicYear.id).where(SubjectPage.id == assignment.subject_page_id))

    async def load_by_teacher(self, year: AcademicYear, on_day: date) -> list[tuple[int, str, int, list[PageRow]]]:
        """(teacher id, name, half-hours, pages) for every teacher with load on the day."""
        teachers: dict[int, tuple[str, list[int], list[PageRow]]] = {}
        for row in await self.rows(year, on_day):
            for teacher_id, name, hours in row.teachers:
                entry = teachers.setdefault(teacher_id, (name, [0], []))
                entry[1][0] += hours
                entry[2].append(row)
        return sorted(((teacher_id, name, total[0], pages) for teacher_id, (name, total, pages) in teachers.items()),
                      key=lambda item: (item[1], item[0]))

    # ---- «без отметок» ------------------------------------------------------------------------

    async def ungraded_rules(self, year: AcademicYear) -> list[UngradedRule]:
        return list((await self.session.execute(select(UngradedRule).where(
            UngradedRule.academic_year_id == year.id).order_by(UngradedRule.grade_level, UngradedRule.id))).scalars())

    async def add_ungraded(self, year: AcademicYear, *, subject_id: int | None, grade_level: int | None,
                           class_group_id: int | None, study_period_id: int | None) -> UngradedRule:
        if grade_level is None and class_group_id is None:
            raise StructureError("grade_level", _("Choose a grade level or a class."))
        if grade_level is not None and grade_level not in GRADE_LEVELS:
            raise StructureError("grade_level", _("Choose a grade level from 1 to 11."))
        for model, object_id in ((Subject, subject_id), (ClassGroup, class_group_id), (StudyPeriod, study_period_id)):
            if object_id is not None:
                found = await owned(self.session, model, object_id, self.school_id)  # type: ignore[type-var]
                if getattr(found, "academic_year_id", year.id) != year.id:
                    raise StructureError("grade_level", _("Choose a class and a period of this school year."))
        rule = UngradedRule(school_id=self.school_id, academic_year_id=year.id, subject_id=subject_id,
                            grade_level=grade_level, class_group_id=class_group_id, study_period_id=study_period_id)
        self.session.add(rule)
        await self.session.flush()
        return rule

    async def delete_ungraded(self, year: AcademicYear, rule_id: int) -> None:
        await self.session.execute(delete(UngradedRule).where(
            UngradedRule.id == rule_id, UngradedRule.academic_year_id == year.id, UngradedRule.school_id == self.school_id))

    async def is_ungraded(self, page: SubjectPage, on_day: date) -> bool:
        """Whether marks are not given on the page on that day: one statement."""
        level = page_grade_level(SubjectPage)
        class_ids = select(StudyGroupClass.class_group_id).where(StudyGroupClass.study_group_id == page.study_group_id) \
            if page.study_group_id else select(ClassGroup.id).where(ClassGroup.id == page.class_group_id)
        found = await self.session.scalar(select(UngradedRule.id).where(
            UngradedRule.academic_year_id == page.academic_year_id,
            or_(UngradedRule.subject_id.is_(None), UngradedRule.subject_id == page.subject_id),
            or_(UngradedRule.grade_level.is_(None),
                UngradedRule.grade_level == select(level).where(SubjectPage.id == page.id).scalar_subquery()),
            or_(UngradedRule.class_group_id.is_(None), UngradedRule.class_group_id.in_(class_ids)),
            or_(UngradedRule.study_period_id.is_(None), UngradedRule.study_period_id.in_(
                select(StudyPeriod.id).where(and_(StudyPeriod.starts_on <= on_day, StudyPeriod.ends_on >= on_day))))).limit(1))
        return found is not None
