"""A school's journal rules: kinds of work and their weights, attendance codes, double marks, the
rounding threshold, the scale of each subject, and which pages take no marks («без отметок»)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.types import FIVE_POINT, PASS_FAIL, GradeScale
from core.school.models import School
from core.structure.models import StudyGroupClass, StudyPeriod, Subject, SubjectPage, UngradedRule
from plugins.journal.grading import DEFAULT_ATTENDANCE_CODES, DEFAULT_MARKS_DAYS, DEFAULT_WORK_KINDS
from plugins.journal.models import JournalAttendanceCode, JournalSettings, JournalSubjectScale, JournalWorkKind

BUILTIN_SCALES = {scale.code: scale for scale in (FIVE_POINT, PASS_FAIL)}


AMENDING_ROLES = ("teacher", "class_teacher")  # the roles a school may let change a closed period


@dataclass(frozen=True)
class FinalsRules:
    """The school's rules for final marks and closed periods."""

    open_days: int = 7  # final marks open this many days before the period ends
    early: bool = False  # ... or at any time
    min_marks: int = 3  # fewer marks: «н/а» is proposed
    comment_gap: Decimal = Decimal(1)  # this far from the average: a comment is needed
    amend_roles: frozenset[str] = frozenset(AMENDING_ROLES)  # who may change a closed period, with a reason

    @classmethod
    def of(cls, settings: JournalSettings | None) -> "FinalsRules":
        if settings is None:
            return cls()
        roles = frozenset(role for role in settings.amend_closed_roles.split(",") if role in AMENDING_ROLES)
        return cls(settings.finals_open_days, settings.finals_early, settings.finals_min_marks,
                   Decimal(settings.finals_comment_gap_hundredths) / 100, roles)

    def may_amend(self, roles: frozenset[str]) -> bool:
        return bool(roles & self.amend_roles)


@dataclass
class JournalRules:
    allow_double_marks: bool
    final_threshold: Decimal
    work_kinds: list[JournalWorkKind]  # active and archived, in order
    codes: list[JournalAttendanceCode]
    subject_scales: dict[int, str]  # subject id → scale code, where the school chose another scale
    finals: FinalsRules = FinalsRules()

    @property
    def active_kinds(self) -> list[JournalWorkKind]:
        return [kind for kind in self.work_kinds if not kind.is_archived]

    @property
    def active_codes(self) -> list[JournalAttendanceCode]:
        return [code for code in self.codes if not code.is_archived]

    def kind(self, kind_id: int | None) -> JournalWorkKind | None:
        return next((kind for kind in self.work_kinds if kind.id == kind_id), None)

    def code(self, text: str) -> JournalAttendanceCode | None:
        return next((code for code in self.codes if code.code == text), None)

    @property
    def default_kind(self) -> JournalWorkKind:
        return self.active_kinds[0] if self.active_kinds else self.work_kinds[0]


async def ensure_defaults(session: AsyncSession, school_id: int) -> None:
    """Give a school the default kinds of work and attendance codes the first time (a write)."""
    added = False
    if await session.scalar(select(JournalWorkKind.id).where(JournalWorkKind.school_id == school_id).limit(1)) is None:
        session.add_all(JournalWorkKind(school_id=school_id, code=code, name=name, weight_hundredths=int(weight * 100),
                                        sort_order=order, marks_days=DEFAULT_MARKS_DAYS.get(code))
                        for order, (code, name, weight) in enumerate(DEFAULT_WORK_KINDS))
        added = True
    if await session.scalar(select(JournalAttendanceCode.id).where(JournalAttendanceCode.school_id == school_id).limit(1)) is None:
        session.add_all(JournalAttendanceCode(school_id=school_id, code=code, name=name, is_absence=absence, excused=excused,
                                              sort_order=order)
                        for order, (code, name, absence, excused) in enumerate(DEFAULT_ATTENDANCE_CODES))
        added = True
    if added:
        await rules_changed(session, school_id)
    await session.flush()


async def rules_changed(session: AsyncSession, school_id: int) -> JournalSettings:
    """Raise the school's rules version: every change of kinds, codes, scales or settings calls it,
    in the same transaction, so no process goes on using rules it read before."""
    settings = await session.scalar(select(JournalSettings).where(JournalSettings.school_id == school_id))
    if settings is None:
        settings = JournalSettings(school_id=school_id, version=0, rules_version=0)
        session.add(settings)
    settings.rules_version = (settings.rules_version or 0) + 1
    await session.flush()
    return settings


async def finals_rules(session: AsyncSession, school_id: int) -> FinalsRules:
    """The school's rules of final marks and closed periods (one statement)."""
    return FinalsRules.of(await session.scalar(select(JournalSettings).where(JournalSettings.school_id == school_id)))


async def finals_open_days(session: AsyncSession, school_id: int) -> int:
    """How many days before a period ends its final marks open (the school's rule; 7 by default)."""
    return (await finals_rules(session, school_id)).open_days


def rules_version_of(school_id: Any) -> Any:
    """SQL: the school's rules version (0 before any change)."""
    return func.coalesce(select(JournalSettings.rules_version).where(JournalSettings.school_id == school_id)
                         .scalar_subquery(), 0)


# Rules read before, per database, by (school, rules version): a version seen in the database is
# proof the rules are still these. Kept per database so two apps in one process never mix them.
_RULES: "WeakKeyDictionary[Any, dict[tuple[int, int], JournalRules]]" = WeakKeyDictionary()
RULES_KEPT = 64


async def rules_at(session: AsyncSession, database: Any, school_id: int, version: int) -> JournalRules:
    """The school's rules as of ``version``, read once per version (four statements then none)."""
    kept = _RULES.setdefault(database, {})
    rules = kept.get((school_id, version))
    if rules is None:
        rules = await load_rules(session, school_id)
        for row in (*rules.work_kinds, *rules.codes):  # kept out of the session: its rollback would expire them
            session.expunge(row)
        if rules.work_kinds and rules.codes:  # a school still without its defaults is read each time
            if len(kept) >= RULES_KEPT:
                kept.clear()
            kept[(school_id, version)] = rules
    return rules


async def load_rules(session: AsyncSession, school_id: int) -> JournalRules:
    """The school's rules in four statements (defaults where the school set nothing)."""
    settings = await session.scalar(select(JournalSettings).where(JournalSettings.school_id == school_id))
    kinds = list((await session.execute(select(JournalWorkKind).where(JournalWorkKind.school_id == school_id)
                                        .order_by(JournalWorkKind.sort_order, JournalWorkKind.id))).scalars())
    codes = list((await session.execute(select(JournalAttendanceCode).where(JournalAttendanceCode.school_id == school_id)
                                        .order_by(JournalAttendanceCode.sort_order, JournalAttendanceCode.id))).scalars())
    scales = dict((await session.execute(select(JournalSubjectScale.subject_id, JournalSubjectScale.scale).where(
        JournalSubjectScale.school_id == school_id))).all())
    return JournalRules(
        allow_double_marks=settings.allow_double_marks if settings else True,
        final_threshold=Decimal(settings.final_threshold_hundredths if settings else 50) / 100,
        work_kinds=kinds, codes=codes, subject_scales=scales, finals=FinalsRules.of(settings))


def scale_for(platform: Any, rules: JournalRules, school: School, subject: Subject, grade_level: int) -> GradeScale:
    """The school's own choice for the subject, else what the plugins say (core: five-point)."""
    chosen = rules.subject_scales.get(subject.id)
    if chosen in BUILTIN_SCALES:
        return BUILTIN_SCALES[chosen]
    found = platform.hook.grade_scale(platform=platform, school=school, subject=subject, grade_level=grade_level)
    return found if isinstance(found, GradeScale) else FIVE_POINT


async def is_ungraded(session: AsyncSession, page: SubjectPage, grade_level: int, day: date) -> bool:
    """Whether the page takes no marks on ``day``: a «без отметок» rule of the year matches its
    subject (or all), its grade level (or all), one of its classes (or all) and the day's period.
    The first grade never takes marks (regulation 3.10), whatever the rules say."""
    if grade_level == 1:
        return True
    class_ids = [page.class_group_id] if page.class_group_id else list((await session.execute(
        select(StudyGroupClass.class_group_id).where(StudyGroupClass.study_group_id == page.study_group_id))).scalars())
    rule = ungraded_rule(page.academic_year_id, page.subject_id, grade_level, day,
                         UngradedRule.class_group_id.in_(class_ids or [0]))
    return bool(await session.scalar(select(rule)))


def ungraded_rule(year_id: Any, subject_id: Any, grade_level: Any, day: Any, in_classes: Any) -> Any:
    """SQL: a «без отметок» rule matches; the arguments are values or SQL expressions (a save
    checks it inside the statement that reads the lesson). ``in_classes``: a condition on
    ``UngradedRule.class_group_id`` naming the page's classes."""
    period_ids = select(StudyPeriod.id).where(StudyPeriod.academic_year_id == year_id,
                                              StudyPeriod.starts_on <= day, StudyPeriod.ends_on >= day) \
        .correlate_except(StudyPeriod)
    return select(UngradedRule.id).where(
        UngradedRule.academic_year_id == year_id,
        or_(UngradedRule.subject_id.is_(None), UngradedRule.subject_id == subject_id),
        or_(UngradedRule.grade_level.is_(None), UngradedRule.grade_level == grade_level),
        or_(UngradedRule.class_group_id.is_(None), in_classes),
        or_(UngradedRule.study_period_id.is_(None), UngradedRule.study_period_id.in_(period_ids))).exists()
