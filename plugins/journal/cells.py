"""One cell of the grid — a student's attendance and marks on one lesson — typed as text and saved
on its own: «5», «4 5», «Н», «ОП 5», «3/5», "" to clear.

The browser sends the text it showed (``was``) with the new one. The save goes through only if
the cell still holds ``was``; otherwise it is refused with the value stored now (someone else
changed it), never overwritten. A save reads the lesson, the reader's right to write it and the
student's marks of the period (for the new average) in two statements, then writes the change,
its history and its events.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from decimal import Decimal
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import and_, bindparam, case, delete, func, join, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.events import AttendanceMarked, GradeChanged, GradePosted, emit
from core.i18n import gettext as _
from core.people.models import Enrollment
from core.plugins.types import GradeScale
from core.school.models import School
from core.structure.common import active_on, school_today
from core.structure.models import (
    AcademicYear, ClassGroup, GradeLevelSettings, StudyGroup, StudyGroupClass, StudyGroupMember, StudyPeriod, Subject,
    SubjectPage, TeachingAssignment, UngradedRule,
)
from plugins.journal.closing import REASON_MAX, amend_refusal, closed_at_day, hold_against_closing
from plugins.journal.deadlines import note_progress
from plugins.journal.grading import DOUBLE_MARK_SEPARATOR, Mark, MarkError, WeightedMark, parse_mark
from plugins.journal.grid import average_of, cell_text
from plugins.journal.history import HistoryWriter
from plugins.journal.lessons import grade_level_of
from plugins.journal.models import JournalAttendance, JournalGrade, JournalLesson
from plugins.journal.rules import JournalRules, rules_at, rules_version_of, scale_for, ungraded_rule
from plugins.journal.scope import WRITERS

MAX_MARKS = 5
MAX_TEXT = 40
SEPARATORS = re.compile(r"[\s,;]+")
# A letter typed with the Latin layout on: the Russian letter on the same key («y» is «н»).
LATIN_LAYOUT = str.maketrans("qwertyuiop[]asdfghjkl;'zxcvbnm`", "йцукенгшщзхъфывапролджэячсмитьё")


class CellRefused(Exception):
    """Nothing was saved: ``status`` 422 for bad input, 409 when the cell changed meanwhile
    (``current`` is then what it holds now)."""

    def __init__(self, status: int, message: str, current: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.current = status, message, current


@dataclass(frozen=True)
class CellValue:
    code: str  # "" present
    marks: tuple[str, ...]

    @property
    def text(self) -> str:
        return cell_text(self.code, self.marks)


def parse_cell(text: str, rules: JournalRules, scale: GradeScale, *, ungraded: bool,
               stored: CellValue = CellValue("", ())) -> CellValue:
    """What a teacher typed into a cell: at most one attendance code and up to five marks. What
    the cell ``stored`` already is stays acceptable as it is (an archived code, a double mark since
    switched off, a sixth mark from the lesson's form): only what is new is checked."""
    if len(text) > MAX_TEXT:
        raise CellRefused(422, _("Too long for a cell: an attendance code and at most five marks."))
    tokens = [part for part in SEPARATORS.split(text.strip()) if part]
    if text.strip() and not tokens:
        raise CellRefused(422, _("Type a mark or an attendance code; to clear the cell, leave it empty."))
    codes = {code.code.casefold(): code.code for code in rules.active_codes}
    if stored.code:
        codes.setdefault(stored.code.casefold(), stored.code)
    old_marks = Counter(stored.marks)
    code, marks = "", []
    for token in tokens:
        found = codes.get(token.casefold()) or codes.get(_russian(token).casefold())
        if found is not None:
            if code:
                raise CellRefused(422, _("One attendance code per cell."))
            code = found
        elif old_marks[token]:
            old_marks[token] -= 1
            marks.append(token)
        else:
            marks.append(_new_mark(token, rules, scale, codes, ungraded=ungraded))
    if len(marks) > max(MAX_MARKS, len(stored.marks)):
        raise CellRefused(422, _("At most five marks at once."))
    return CellValue(code, tuple(marks))


def _new_mark(token: str, rules: JournalRules, scale: GradeScale, codes: dict[str, str], *, ungraded: bool) -> str:
    if ungraded:
        raise CellRefused(422, _("This page is «without marks»: attendance and topics only."))
    for typed in dict.fromkeys((token, _russian(token))):  # as typed, then as the Russian keys it was typed on
        try:
            return parse_mark(typed, scale, allow_double=rules.allow_double_marks).text
        except MarkError as error:
            refusal = error
    if any(char.isalpha() for char in token):
        raise CellRefused(422, _("«%(text)s» is neither a mark nor an attendance code (codes: %(codes)s).",
                                 text=token, codes=", ".join(code for code in codes.values())))
    raise CellRefused(422, refusal.message)


def _russian(token: str) -> str:
    """A token typed entirely in Latin letters, read as the Russian keys it was typed on."""
    return token.translate(LATIN_LAYOUT) if token.isascii() and token.isalpha() else token


@dataclass
class CellSaved:
    """The cell as it is now and the student's average of the period, for the grid's row."""

    text: str
    average: str
    formula: str
    failing: bool


def _holds(user_id: Any) -> Any:
    return select(TeachingAssignment.id).where(
        TeachingAssignment.subject_page_id == JournalLesson.subject_page_id, TeachingAssignment.teacher_id == user_id,
        active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, JournalLesson.day)).exists()


def _on_page(student_id: Any) -> Any:
    """SQL: the student is on the lesson's page on its day (enrolled in the class, or a member of
    the group while enrolled in the school)."""
    in_class = select(Enrollment.id).where(
        Enrollment.student_id == student_id, Enrollment.class_group_id == SubjectPage.class_group_id,
        active_on(Enrollment.starts_on, Enrollment.ends_on, JournalLesson.day)).exists()
    in_group = and_(
        select(StudyGroupMember.id).where(
            StudyGroupMember.student_id == student_id, StudyGroupMember.study_group_id == SubjectPage.study_group_id,
            active_on(StudyGroupMember.starts_on, StudyGroupMember.ends_on, JournalLesson.day)).exists(),
        select(Enrollment.id).where(
            Enrollment.student_id == student_id, Enrollment.school_id == SubjectPage.school_id,
            active_on(Enrollment.starts_on, Enrollment.ends_on, JournalLesson.day)).exists())
    return or_(in_class, in_group)


def _period_bound(column: Any, fallback: Any) -> Any:
    """SQL: the start (or end) of the study period holding the lesson, of its grade level's kind;
    the school year's when there is none."""
    kind = select(GradeLevelSettings.period_kind).where(
        GradeLevelSettings.academic_year_id == SubjectPage.academic_year_id,
        GradeLevelSettings.grade_level == grade_level_of()).correlate_except(GradeLevelSettings).scalar_subquery()
    found = select(column).where(
        StudyPeriod.academic_year_id == SubjectPage.academic_year_id, StudyPeriod.kind == kind,
        StudyPeriod.starts_on <= JournalLesson.day, StudyPeriod.ends_on >= JournalLesson.day).limit(1).scalar_subquery()
    return func.coalesce(found, fallback)


@cache
def _cell_read() -> Any:
    """One statement: the lesson with its school and subject if the person may write it; whether
    the student is on it that day; whether it takes marks; the rules version; the cell's
    attendance; and a row per mark of the student on the page in the lesson's period. Built once
    (its parameters are bound at each save): building a statement this size costs more than
    running it."""
    lesson_id, student_id, user_id, school_id = (bindparam(name) for name in ("lesson", "student", "user", "school"))
    level = grade_level_of()
    starts = _period_bound(StudyPeriod.starts_on, AcademicYear.starts_on)
    ends = _period_bound(StudyPeriod.ends_on, AcademicYear.ends_on)
    group_classes = select(StudyGroupClass.class_group_id).where(
        StudyGroupClass.study_group_id == SubjectPage.study_group_id).correlate_except(StudyGroupClass)
    ungraded = or_(level == 1, ungraded_rule(
        SubjectPage.academic_year_id, SubjectPage.subject_id, level, JournalLesson.day,
        or_(UngradedRule.class_group_id == SubjectPage.class_group_id, UngradedRule.class_group_id.in_(group_classes))))
    marked = aliased(JournalLesson)
    marks = join(marked, JournalGrade, and_(JournalGrade.lesson_id == marked.id, JournalGrade.student_id == student_id))
    return (
        select(JournalLesson, School, Subject, level.label("level"), _on_page(student_id).label("on_page"),
               ungraded.label("ungraded"), rules_version_of(JournalLesson.school_id).label("rules_version"),
               closed_at_day(SubjectPage.academic_year_id, level, JournalLesson.day).label("closed"),
               JournalAttendance.id.label("attendance_id"), JournalAttendance.code.label("code"),
               JournalGrade.id.label("grade_id"), JournalGrade.lesson_id.label("grade_lesson_id"), JournalGrade.mark,
               JournalGrade.work_kind_id, JournalGrade.weight_hundredths)
        .join(SubjectPage, SubjectPage.id == JournalLesson.subject_page_id)
        .join(School, School.id == JournalLesson.school_id).join(Subject, Subject.id == SubjectPage.subject_id)
        .join(AcademicYear, AcademicYear.id == SubjectPage.academic_year_id)
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .outerjoin(JournalAttendance, and_(JournalAttendance.lesson_id == JournalLesson.id,
                                           JournalAttendance.student_id == student_id))
        .outerjoin(marks, and_(marked.subject_page_id == JournalLesson.subject_page_id, marked.day >= starts,
                               marked.day <= ends))
        .where(JournalLesson.id == lesson_id, JournalLesson.school_id == school_id,
               or_(JournalLesson.teacher_id == user_id, _holds(user_id)))
        .order_by(JournalGrade.created_at, JournalGrade.id))


class CellSaver:
    def __init__(self, session: AsyncSession, platform: Any, user: CurrentUser) -> None:
        self.session, self.platform, self.user = session, platform, user

    async def save(self, lesson_id: int, student_id: int, value: str, was: str, reason: str = "") -> CellSaved:
        if self.session.bind.dialect.name != "sqlite":  # SQLite's writes are one at a time already
            await hold_against_closing(self.session, self.user.school_id)
            await self.session.execute(select(JournalLesson.id).where(JournalLesson.id == lesson_id).with_for_update())
        rows = (await self.session.execute(_cell_read(), {
            "lesson": lesson_id, "student": student_id, "user": self.user.id, "school": self.user.school_id})).all()
        if not rows or not self.user.roles & WRITERS or not rows[0].on_page:
            raise NotFoundException()  # not the person's lesson, or not a cell of its grid (arrived later, left, ...)
        head = rows[0]
        lesson, school, subject = head.JournalLesson, head.School, head.Subject
        if lesson.state != "active":
            raise CellRefused(409, _("The timetable no longer gives this lesson: decide what to do with it first."))
        if lesson.day > school_today(school.timezone):
            raise CellRefused(422, _("Attendance and marks are entered on the day of the lesson or later."))
        grades = [_Stored(row.grade_id, row.grade_lesson_id, row.mark, row.work_kind_id, row.weight_hundredths)
                  for row in rows if row.grade_id is not None]
        mine = [grade for grade in grades if grade.lesson_id == lesson.id]
        current = CellValue(head.code or "", tuple(grade.mark for grade in mine))
        rules = await rules_at(self.session, self.platform.db, lesson.school_id, head.rules_version)
        scale = scale_for(self.platform, rules, school, subject, int(head.level))
        ungraded = bool(head.ungraded)
        try:
            wanted = parse_cell(value, rules, scale, ungraded=ungraded, stored=current)
        except CellRefused as refused:
            refused.current = current.text  # the cell as it is now, should someone else have changed it
            raise
        if current.text != " ".join(was.split()):
            if current.text == wanted.text:
                return self._result(current, grades, rules, scale, ungraded)
            raise CellRefused(409, _("Someone else changed this cell meanwhile: it now holds «%(value)s».",
                                     value=current.text or _("nothing")), current.text)
        if wanted == current:
            return self._result(current, grades, rules, scale, ungraded)
        reason = " ".join(reason.split())
        if head.closed:
            refusal = amend_refusal(self.user.roles, rules.finals.amend_roles, reason)
            if refusal or len(reason) > REASON_MAX:
                raise CellRefused(422, refusal.get("reason") or _("The reason is too long: at most %(count)d characters.",
                                                                   count=REASON_MAX), current.text)
        history = HistoryWriter(self.session, lesson.school_id, self.user.id, reason if head.closed else "")
        if wanted.code != current.code:
            await self._attendance(lesson, student_id, head.attendance_id, current.code, wanted.code, rules, history)
        kept = await self._marks(lesson, student_id, mine, wanted.marks, rules, history)
        note_progress(lesson, int(head.level), utcnow(), attendance_taken=True)  # typing into the lesson's column is taking it
        await self.session.flush()
        others = [grade for grade in grades if grade.lesson_id != lesson.id]
        saved = CellValue(wanted.code, tuple(grade.mark for grade in kept))  # in the order the marks are stored
        return self._result(saved, others + kept, rules, scale, ungraded)

    async def _attendance(self, lesson: JournalLesson, student_id: int, stored_id: int | None, old: str, code: str,
                          rules: JournalRules, history: HistoryWriter) -> None:
        if stored_id is None:
            row = JournalAttendance(school_id=lesson.school_id, lesson_id=lesson.id, student_id=student_id, code=code,
                                    updated_by=self.user.id)
            self.session.add(row)
            await self.session.flush()
            record_id = row.id
        else:
            record_id = stored_id
            if code:
                await self.session.execute(update(JournalAttendance).where(JournalAttendance.id == stored_id).values(
                    code=code, updated_by=self.user.id, updated_at=utcnow(), version=JournalAttendance.version + 1,
                    marked_at=case((JournalAttendance.code == code, JournalAttendance.marked_at), else_=utcnow())))
            else:
                await self.session.execute(delete(JournalAttendance).where(JournalAttendance.id == stored_id))
        history.add(lesson.id, "attendance", "code", old, code, student_id=student_id, record_id=record_id)
        found = rules.code(code)
        emit(self.session, AttendanceMarked(
            school_id=lesson.school_id, lesson_id=lesson.id, student_id=student_id, subject_page_id=lesson.subject_page_id,
            day=lesson.day, number=lesson.number, code=code, old_code=old, is_absence=bool(found and found.is_absence),
            changed_by=self.user.id))

    async def _marks(self, lesson: JournalLesson, student_id: int, stored: list[Any], wanted: tuple[str, ...],
                     rules: JournalRules, history: HistoryWriter) -> list["_Stored"]:
        """Marks that stay are kept as they are; a mark typed over another changes it in place (its
        kind and weight stay); the rest are removed or added. Returns the cell's marks in the order
        they are stored (new ones last), as the grid shows them after a reload."""
        unchanged = Counter(wanted) & Counter(row.mark for row in stored)
        spare = []
        final: list[_Stored | None] = []
        for row in stored:
            if unchanged[row.mark]:
                unchanged[row.mark] -= 1
                final.append(row)
            else:
                spare.append(row)
                final.append(None)  # changed or removed: filled in below
        remaining = list((Counter(wanted) - Counter(row.mark for row in final if row)).elements())
        remaining.sort(key=wanted.index)
        changed = dict(zip((row.id for row in spare), remaining))
        for index, row in enumerate(stored):
            if final[index] is None and row.id in changed:
                mark = changed[row.id]
                self._changed(lesson, student_id, row, mark, rules, history)
                await self.session.execute(update(JournalGrade).where(JournalGrade.id == row.id).values(
                    mark=mark, updated_by=self.user.id, updated_at=utcnow(), version=JournalGrade.version + 1))
                final[index] = _Stored(row.id, lesson.id, mark, row.work_kind_id, row.weight_hundredths)
        removed = [row for row in spare if row.id not in changed]
        for row in removed:
            self._changed(lesson, student_id, row, "", rules, history)
        if removed:
            await self.session.execute(delete(JournalGrade).where(JournalGrade.id.in_([row.id for row in removed])))
        kind = rules.kind(lesson.work_kind_id) or rules.default_kind
        added = [JournalGrade(school_id=lesson.school_id, lesson_id=lesson.id, student_id=student_id, mark=mark,
                              work_kind_id=kind.id, weight_hundredths=kind.weight_hundredths, created_by=self.user.id,
                              updated_by=self.user.id) for mark in remaining[len(spare):]]
        if added:
            self.session.add_all(added)
            await self.session.flush()  # the new marks' ids, for the history and the events
        for grade in added:
            history.add(lesson.id, "grade", "mark", None, f"{grade.mark} ({kind.name})", student_id=student_id,
                        record_id=grade.id)
            emit(self.session, GradePosted(school_id=lesson.school_id, grade_id=grade.id, lesson_id=lesson.id,
                                           student_id=student_id, subject_page_id=lesson.subject_page_id, day=lesson.day,
                                           mark=grade.mark, work_kind=kind.name, teacher_id=self.user.id))
        return [row for row in final if row is not None] + [
            _Stored(grade.id, lesson.id, grade.mark, kind.id, grade.weight_hundredths) for grade in added]

    def _changed(self, lesson: JournalLesson, student_id: int, row: Any, mark: str, rules: JournalRules,
                 history: HistoryWriter) -> None:
        """The history and the event of a mark changed to ``mark`` ("" removed)."""
        kind = rules.kind(row.work_kind_id)
        name = kind.name if kind else ""
        history.add(lesson.id, "grade", "mark", f"{row.mark} ({name})", f"{mark} ({name})" if mark else None,
                    student_id=student_id, record_id=row.id)
        emit(self.session, GradeChanged(school_id=lesson.school_id, grade_id=row.id, lesson_id=lesson.id,
                                        student_id=student_id, subject_page_id=lesson.subject_page_id, day=lesson.day,
                                        old_mark=row.mark, mark=mark, changed_by=self.user.id))

    @staticmethod
    def _result(value: CellValue, grades: list[Any], rules: JournalRules, scale: GradeScale, ungraded: bool) -> CellSaved:
        average, text, failing = "", "", False
        if not ungraded and scale.numeric:
            weighted = [WeightedMark.of(Mark(row.mark, tuple(row.mark.split(DOUBLE_MARK_SEPARATOR))), scale,
                                        Decimal(row.weight_hundredths) / 100) for row in grades]
            average, text, failing = average_of(weighted, scale, rules.final_threshold)
        return CellSaved(value.text, average, text, failing)


@dataclass(frozen=True)
class _Stored:
    """A mark of the student on the page in the period, as a save reads it."""

    id: int
    lesson_id: int
    mark: str
    work_kind_id: int
    weight_hundredths: int
