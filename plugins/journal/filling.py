"""Filling one lesson: its topic, homework, kind of work and note, the class's attendance and marks,
saved together or not at all.

The form sends, beside every value, the value it showed (``<field>__was``). A change is applied
only if the stored value is still the one shown; if someone else changed it meanwhile the whole
save is refused and the current value is shown (never a lost update). The lesson row is locked
for the save, so two saves of one lesson run one after the other. Every change goes to the
history and to the outbox in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.web.structure.common import parse_date
from core.db.types import utcnow
from core.events import AttendanceMarked, GradeChanged, GradePosted, HomeworkSet, LessonFilled, emit
from core.i18n import gettext as _
from core.plugins.types import GradeScale
from core.school.models import School
from core.structure.common import StructureError
from core.structure.models import AcademicYear, ClassGroup, StudyGroup, Subject, SubjectPage
from plugins.journal.closing import REASON_MAX, amend_refusal, closed_at_day, hold_against_closing
from plugins.journal.deadlines import note_progress
from plugins.journal.diary import load_clock
from plugins.journal.grading import MarkError, parse_mark
from plugins.journal.history import HistoryWriter
from plugins.journal.models import JournalAttendance, JournalGrade, JournalLesson, JournalWorkKind
from plugins.journal.roster import RosterLine, on_day, page_roster
from plugins.journal.rules import JournalRules, is_ungraded, load_rules, scale_for
from plugins.journal.scope import lesson_of

TOPIC_MAX, HOMEWORK_MAX, NOTE_MAX = 500, 5000, 500
MARK_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Conflict:
    """A value someone else changed after the form was shown."""

    current: str
    by: str
    at: datetime | None


class FillRefused(Exception):
    """Nothing was saved: ``errors`` (field → message) are bad input (422); ``conflicts`` (field →
    the current value) are stale writes (409)."""

    def __init__(self, errors: dict[str, str], conflicts: dict[str, Conflict] | None = None) -> None:
        super().__init__(next(iter(errors.values()), "conflict"))
        self.errors, self.conflicts = errors, conflicts or {}

    @property
    def status(self) -> int:
        return 409 if self.conflicts and not self.errors else 422


@dataclass
class LessonContext:
    """Everything a lesson's page and its save need, read in a fixed number of statements."""

    lesson: JournalLesson
    page: SubjectPage
    subject: Subject
    holder: str  # «5А» or the group's name
    grade_level: int
    rules: JournalRules
    scale: GradeScale
    ungraded: bool
    students: list[RosterLine]
    attendance: dict[int, JournalAttendance]
    grades: list[JournalGrade]
    names: dict[int, str]  # teachers and editors
    next_lesson_day: date | None
    year: AcademicYear
    timezone: str  # the school's: times are shown in it
    closed: bool = False  # the lesson's study period is closed: marks and attendance change with a reason

    def grades_of(self, student_id: int) -> list[JournalGrade]:
        return [grade for grade in self.grades if grade.student_id == student_id]

    @property
    def on_page(self) -> set[int]:
        return {line.student_id for line in self.students}


async def load_context(session: AsyncSession, platform: Any, lesson: JournalLesson, page: SubjectPage) -> LessonContext:
    subject = await session.get(Subject, page.subject_id)
    year = await session.get(AcademicYear, page.academic_year_id)
    assert subject is not None and year is not None
    if page.class_group_id is not None:
        group = await session.get(ClassGroup, page.class_group_id)
        assert group is not None
        holder, grade_level = f"{group.grade_level}{group.letter}", group.grade_level
    else:
        study_group = await session.get(StudyGroup, page.study_group_id)
        assert study_group is not None
        holder, grade_level = study_group.name, study_group.grade_level
    rules = await load_rules(session, lesson.school_id)
    school = await session.get(School, lesson.school_id)
    students = on_day(await page_roster(session, page, lesson.day, lesson.day), lesson.day)
    attendance = {row.student_id: row for row in (await session.execute(
        select(JournalAttendance).where(JournalAttendance.lesson_id == lesson.id))).scalars()}
    grades = list((await session.execute(select(JournalGrade).where(JournalGrade.lesson_id == lesson.id)
                                         .order_by(JournalGrade.created_at, JournalGrade.id))).scalars())
    people = {lesson.teacher_id, lesson.replaced_teacher_id} | {g.updated_by for g in grades} | \
        {a.updated_by for a in attendance.values()}
    names = dict((await session.execute(select(UserAccount.id, UserAccount.full_name).where(
        UserAccount.id.in_({p for p in people if p is not None} or {0})))).all())
    next_day = await session.scalar(select(JournalLesson.day).where(
        JournalLesson.subject_page_id == page.id, JournalLesson.state == "active", JournalLesson.day > lesson.day)
        .order_by(JournalLesson.day).limit(1))
    return LessonContext(
        lesson=lesson, page=page, subject=subject, holder=holder, grade_level=grade_level, rules=rules,
        scale=scale_for(platform, rules, school, subject, grade_level), ungraded=await is_ungraded(session, page, grade_level, lesson.day),
        students=students, attendance=attendance, grades=grades, names=names, next_lesson_day=next_day, year=year,
        timezone=school.timezone if school else "UTC",
        closed=bool(await session.scalar(select(closed_at_day(page.academic_year_id, grade_level, lesson.day)))))


# ---- the form ------------------------------------------------------------------------------------


@dataclass
class Edit:
    value: str
    was: str

    @property
    def changed(self) -> bool:
        return self.value != self.was


@dataclass
class LessonForm:
    lesson_fields: dict[str, Edit] = field(default_factory=dict)
    attendance: dict[int, Edit] = field(default_factory=dict)  # student → code
    grade_marks: dict[int, Edit] = field(default_factory=dict)  # grade id → mark ("" removes it)
    grade_kinds: dict[int, Edit] = field(default_factory=dict)  # grade id → kind id
    new_marks: dict[int, tuple[str, str]] = field(default_factory=dict)  # student → (marks, kind id)


LESSON_FIELDS = ("topic", "homework", "homework_due", "no_homework", "work_kind", "note")
_KEY = re.compile(r"(att|grade|new)-(\d{1,9})(-kind)?")


def parse_form(form: Mapping[str, str]) -> LessonForm:
    """Read the lesson form; unknown names are ignored, ids outside the integer range never match."""
    parsed = LessonForm()
    for name in LESSON_FIELDS:
        if name in form or f"{name}__was" in form:
            parsed.lesson_fields[name] = Edit(_clean(form.get(name, "")), _clean(form.get(f"{name}__was", "")))
    for name, value in form.items():
        match = _KEY.fullmatch(name)
        if not match:
            continue
        kind, number, is_kind = match.group(1), int(match.group(2)), bool(match.group(3))
        edit = Edit(value.strip(), form.get(f"{name}__was", "").strip())
        if kind == "att" and not is_kind:
            parsed.attendance[number] = edit
        elif kind == "grade":
            (parsed.grade_kinds if is_kind else parsed.grade_marks)[number] = edit
        elif kind == "new" and not is_kind and value.strip():  # a student's own kind, else the new marks' kind
            kind_id = form.get(f"new-{number}-kind", "").strip() or form.get("new_kind", "").strip()
            parsed.new_marks[number] = (value.strip(), kind_id)
    return parsed


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


# ---- saving ----------------------------------------------------------------------------------------


@dataclass
class SaveSummary:
    lesson_changed: bool = False
    attendance: int = 0
    marks_added: int = 0
    marks_changed: int = 0
    marks_removed: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.lesson_changed or self.attendance or self.marks_added or self.marks_changed or self.marks_removed)


class LessonFiller:
    def __init__(self, session: AsyncSession, platform: Any, user: CurrentUser, today: date) -> None:
        self.session, self.platform, self.user, self.today = session, platform, user, today

    async def context(self, lesson_id: int, *, write: bool = False) -> LessonContext:
        lesson, page = await lesson_of(self.session, self.user, lesson_id, write=write, lock=write)
        return await load_context(self.session, self.platform, lesson, page)

    async def save(self, lesson_id: int, raw: Mapping[str, str]) -> tuple[LessonContext, SaveSummary]:
        await hold_against_closing(self.session, self.user.school_id)
        ctx = await self.context(lesson_id, write=True)
        form = parse_form(raw)
        plan = _Plan(ctx, form, self.today, self.user.roles, raw.get("reason", ""))
        plan.check()
        if plan.errors or plan.conflicts:
            raise FillRefused(plan.errors, plan.conflicts)
        summary = await self._apply(ctx, plan)
        return ctx, summary

    async def _apply(self, ctx: LessonContext, plan: "_Plan") -> SaveSummary:
        history = HistoryWriter(self.session, ctx.lesson.school_id, self.user.id, plan.reason if plan.amends else "")
        lesson, summary = ctx.lesson, SaveSummary()
        await self._apply_lesson(ctx, plan, history, summary)
        marked = [(student_id, code, await self._set_attendance(ctx, student_id, code))
                  for student_id, code in plan.attendance.items()]
        for grade, mark, kind in plan.grade_updates:
            await self._apply_grade(ctx, grade, mark, kind, history, summary)
        posted = [JournalGrade(school_id=lesson.school_id, lesson_id=lesson.id, student_id=student_id, mark=mark,
                               work_kind_id=kind.id, weight_hundredths=kind.weight_hundredths,
                               created_by=self.user.id, updated_by=self.user.id)
                  for student_id, marks, kind in plan.new_marks for mark in marks]
        self.session.add_all(posted)
        await self.session.flush()  # one round trip gives the new rows their ids, for the history and the events
        for student_id, code, (row, old) in marked:
            self._attendance_marked(ctx, student_id, code, old, row, history)
            summary.attendance += 1
        for grade in posted:
            kind = ctx.rules.kind(grade.work_kind_id)
            assert kind is not None
            history.add(lesson.id, "grade", "mark", None, f"{grade.mark} ({kind.name})", student_id=grade.student_id,
                        record_id=grade.id)
            emit(self.session, GradePosted(school_id=lesson.school_id, grade_id=grade.id, lesson_id=lesson.id,
                                           student_id=grade.student_id, subject_page_id=lesson.subject_page_id,
                                           day=lesson.day, mark=grade.mark, work_kind=kind.name, teacher_id=self.user.id))
            summary.marks_added += 1
        if summary.anything:
            lesson.updated_at = utcnow()
            lesson.version += 1
        # Saving the form once the lesson has begun is taking its attendance, even with everyone present.
        taken = bool(plan.form.attendance) and lesson.attendance_at is None and await self._begun(ctx)
        note_progress(lesson, ctx.grade_level, utcnow(), attendance_taken=taken)
        await self.session.flush()
        return summary

    async def _apply_lesson(self, ctx: LessonContext, plan: "_Plan", history: HistoryWriter, summary: SaveSummary) -> None:
        lesson = ctx.lesson
        homework_before = (lesson.homework, lesson.homework_due, lesson.no_homework)
        for name, value in plan.lesson_values.items():
            column = "work_kind_id" if name == "work_kind" else name
            old = getattr(lesson, column)
            if old == value:
                continue
            setattr(lesson, column, value)
            if name in ("topic", "homework"):  # typed by the teacher: the plan no longer changes it
                setattr(lesson, f"plan_{name}", False)
            if name == "topic" and not value:  # a topic cleared: the lesson takes the plan's next topic again
                lesson.plan_item_id = lesson.plan_hour = None
            shown_old, shown_new = (ctx.rules.kind(old).name if ctx.rules.kind(old) else None,
                                    ctx.rules.kind(value).name if ctx.rules.kind(value) else None) \
                if name == "work_kind" else (old, value)
            history.add(lesson.id, "lesson", name, shown_old, shown_new)
            summary.lesson_changed = True
        if lesson.topic and lesson.filled_at is None:
            lesson.filled_at = utcnow()
            emit(self.session, LessonFilled(school_id=lesson.school_id, lesson_id=lesson.id,
                                            subject_page_id=lesson.subject_page_id, day=lesson.day,
                                            teacher_id=self.user.id, late=self.today > lesson.day))
        if (lesson.homework, lesson.homework_due, lesson.no_homework) != homework_before:
            emit(self.session, HomeworkSet(school_id=lesson.school_id, lesson_id=lesson.id,
                                           subject_page_id=lesson.subject_page_id, day=lesson.day, due=lesson.homework_due,
                                           text=lesson.homework, none=lesson.no_homework))

    async def _begun(self, ctx: LessonContext) -> bool:
        """Whether the lesson has begun: an earlier day, or today from its bell (today, when the bells
        do not say)."""
        lesson = ctx.lesson
        if lesson.day != self.today:
            return lesson.day < self.today
        clock = await load_clock(self.session, lesson.school_id, lesson.day, lesson.day)
        starts, _ends = clock.times(lesson.subject_page_id, lesson.day, lesson.number)
        return starts is None or datetime.now(ZoneInfo(ctx.timezone)).time() >= starts

    async def _set_attendance(self, ctx: LessonContext, student_id: int, code: str) -> tuple[JournalAttendance, str]:
        """The student's entry as ``code`` says ("" present: no entry); the row and the old code."""
        lesson, row = ctx.lesson, ctx.attendance.get(student_id)
        old = row.code if row else ""
        if row is None:
            row = JournalAttendance(school_id=lesson.school_id, lesson_id=lesson.id, student_id=student_id, code=code,
                                    updated_by=self.user.id)
            self.session.add(row)
        elif code:
            if code != row.code:
                row.marked_at = utcnow()
            row.code, row.updated_by, row.updated_at, row.version = code, self.user.id, utcnow(), row.version + 1
        else:
            await self.session.delete(row)
        return row, old

    def _attendance_marked(self, ctx: LessonContext, student_id: int, code: str, old: str, row: JournalAttendance,
                           history: HistoryWriter) -> None:
        lesson = ctx.lesson
        history.add(lesson.id, "attendance", "code", old, code, student_id=student_id, record_id=row.id)
        found = ctx.rules.code(code)
        emit(self.session, AttendanceMarked(
            school_id=lesson.school_id, lesson_id=lesson.id, student_id=student_id, subject_page_id=lesson.subject_page_id,
            day=lesson.day, number=lesson.number, code=code, old_code=old, is_absence=bool(found and found.is_absence),
            changed_by=self.user.id))

    async def _apply_grade(self, ctx: LessonContext, grade: JournalGrade, mark: str, kind: JournalWorkKind,
                     history: HistoryWriter, summary: SaveSummary) -> None:
        lesson, old = ctx.lesson, grade.mark
        old_kind = ctx.rules.kind(grade.work_kind_id)
        old_text = f"{old} ({old_kind.name})" if old_kind else old
        if not mark:
            history.add(lesson.id, "grade", "mark", old_text, None, student_id=grade.student_id, record_id=grade.id)
            await self.session.delete(grade)
            summary.marks_removed += 1
        else:
            if kind.id != grade.work_kind_id:  # a mark keeps the weight it was given with, unless its kind changes
                grade.work_kind_id, grade.weight_hundredths = kind.id, kind.weight_hundredths
            grade.mark = mark
            grade.updated_by, grade.updated_at, grade.version = self.user.id, utcnow(), grade.version + 1
            history.add(lesson.id, "grade", "mark", old_text, f"{mark} ({kind.name})", student_id=grade.student_id,
                        record_id=grade.id)
            summary.marks_changed += 1
        emit(self.session, GradeChanged(school_id=lesson.school_id, grade_id=grade.id, lesson_id=lesson.id,
                                        student_id=grade.student_id, subject_page_id=lesson.subject_page_id, day=lesson.day,
                                        old_mark=old, mark=mark, changed_by=self.user.id))


class _Plan:
    """The checked changes of one save: bad input goes to ``errors``, stale values to ``conflicts``."""

    def __init__(self, ctx: LessonContext, form: LessonForm, today: date, roles: frozenset[str] = frozenset(),
                 reason: str = "") -> None:
        self.ctx, self.form, self.today, self.roles = ctx, form, today, roles
        self.reason = " ".join(reason.split())
        self.errors: dict[str, str] = {}
        self.conflicts: dict[str, Conflict] = {}
        self.lesson_values: dict[str, Any] = {}
        self.attendance: dict[int, str] = {}
        self.grade_updates: list[tuple[JournalGrade, str, JournalWorkKind]] = []
        self.new_marks: list[tuple[int, list[str], JournalWorkKind]] = []

    def check(self) -> None:
        if self.ctx.lesson.state != "active":
            self.errors["lesson"] = _("The timetable no longer gives this lesson: decide what to do with it first.")
            return
        self._check_lesson()
        future = self.ctx.lesson.day > self.today
        if future and (any(e.changed for e in self.form.attendance.values()) or self.form.new_marks
                       or any(e.changed for e in self.form.grade_marks.values())):
            self.errors["lesson"] = _("Attendance and marks are entered on the day of the lesson or later.")
            return
        self._check_attendance()
        self._check_grades()
        self._check_new_marks()
        if self.amends:
            self.errors.update(amend_refusal(self.roles, self.ctx.rules.finals.amend_roles, self.reason))
            if len(self.reason) > REASON_MAX:
                self.errors["reason"] = _("Too long: at most %(count)d characters.", count=REASON_MAX)

    @property
    def amends(self) -> bool:
        """Whether the save changes the marks or attendance of a closed period."""
        return self.ctx.closed and bool(self.attendance or self.grade_updates or self.new_marks)

    # -- the lesson's own fields --

    def _check_lesson(self) -> None:
        lesson, fields = self.ctx.lesson, self.form.lesson_fields
        stored = {"topic": lesson.topic, "homework": lesson.homework, "note": lesson.note,
                  "homework_due": _day_text(lesson.homework_due), "no_homework": "1" if lesson.no_homework else "",
                  "work_kind": str(lesson.work_kind_id or "")}
        for name, edit in fields.items():
            if not edit.changed:
                continue
            if stored[name] != _normal(name, edit.was):
                if stored[name] != _normal(name, edit.value):
                    self.conflicts[name] = Conflict(self._shown(name, stored[name]), "", lesson.updated_at)
                continue
            value = self._lesson_value(name, edit.value)
            if name not in self.errors:
                self.lesson_values[name] = value
        self._check_homework()

    def _lesson_value(self, name: str, text: str) -> Any:
        limits = {"topic": TOPIC_MAX, "homework": HOMEWORK_MAX, "note": NOTE_MAX}
        if name in limits:
            if len(text) > limits[name]:
                self.errors[name] = _("Too long: at most %(count)d characters.", count=limits[name])
            return text
        if name == "no_homework":
            return text in ("1", "on", "true")
        if name == "work_kind":
            kind = self.ctx.rules.kind(int(text)) if text.isascii() and text.isdigit() and len(text) < 10 else None
            if text and (kind is None or kind.is_archived):
                self.errors[name] = _("Choose a kind of work from the list.")
            return kind.id if kind else None
        try:
            due = parse_date(text)
        except StructureError as error:
            self.errors[name] = error.message
            return None
        if due is not None and not (self.ctx.lesson.day <= due <= self.ctx.year.ends_on):
            self.errors[name] = _("The homework is due after the lesson and within the school year.")
        return due

    def _check_homework(self) -> None:
        lesson = self.ctx.lesson
        homework = self.lesson_values.get("homework", lesson.homework)
        none = self.lesson_values.get("no_homework", lesson.no_homework)
        if homework and none:
            self.errors["homework"] = _("Either enter homework or tick «no homework», not both.")
        if homework and "homework_due" not in self.lesson_values and lesson.homework_due is None \
                and "homework_due" not in self.errors:
            self.lesson_values["homework_due"] = self.ctx.next_lesson_day  # by default: the page's next lesson
        if not homework and "homework" in self.lesson_values:
            self.lesson_values["homework_due"] = None

    def _shown(self, name: str, value: str) -> str:
        if name == "work_kind" and value:
            kind = self.ctx.rules.kind(int(value))
            return kind.name if kind else value
        if name == "no_homework":
            return _("no homework") if value else ""
        return value

    # -- attendance --

    def _check_attendance(self) -> None:
        codes = {code.code for code in self.ctx.rules.active_codes}
        for student_id, edit in self.form.attendance.items():
            if not edit.changed:
                continue
            key = f"att-{student_id}"
            if student_id not in self.ctx.on_page:
                self.errors[key] = _("This student is not on the page on the lesson's day.")
                continue
            if edit.value and edit.value not in codes:
                self.errors[key] = _("Choose an attendance code from the list.")
                continue
            row = self.ctx.attendance.get(student_id)
            stored = row.code if row else ""
            if stored != edit.was:
                if stored != edit.value:
                    self.conflicts[key] = Conflict(stored or _("present"), self.ctx.names.get(row.updated_by or 0, "") if row else "",
                                                   row.updated_at if row else None)
                continue
            self.attendance[student_id] = edit.value

    # -- marks --

    def _kind(self, key: str, text: str) -> JournalWorkKind | None:
        rules = self.ctx.rules
        if not text:  # the lesson's kind, as this save leaves it
            return rules.kind(self.lesson_values.get("work_kind", self.ctx.lesson.work_kind_id)) or rules.default_kind
        kind = rules.kind(int(text)) if text.isascii() and text.isdigit() and len(text) < 10 else None
        if kind is None or kind.is_archived:
            self.errors[key] = _("Choose a kind of work from the list.")
        return kind

    def _mark(self, key: str, text: str) -> str | None:
        if self.ctx.ungraded:
            self.errors[key] = _("This page is «without marks»: attendance and topics only.")
            return None
        try:
            return parse_mark(text, self.ctx.scale, allow_double=self.ctx.rules.allow_double_marks).text
        except MarkError as exc:
            self.errors[key] = exc.message
            return None

    def _check_grades(self) -> None:
        by_id = {grade.id: grade for grade in self.ctx.grades}
        for grade_id in set(self.form.grade_marks) | set(self.form.grade_kinds):
            mark_edit = self.form.grade_marks.get(grade_id)
            kind_edit = self.form.grade_kinds.get(grade_id)
            if not (mark_edit and mark_edit.changed) and not (kind_edit and kind_edit.changed):
                continue
            key, grade = f"grade-{grade_id}", by_id.get(grade_id)
            if grade is None:
                self.errors[key] = _("This mark is no longer on the lesson: reload the page.")
                continue
            if (mark_edit and grade.mark != mark_edit.was) or (kind_edit and str(grade.work_kind_id) != kind_edit.was):
                self.conflicts[key] = Conflict(grade.mark, self.ctx.names.get(grade.updated_by or 0, ""), grade.updated_at)
                continue
            mark = mark_edit.value if mark_edit else grade.mark
            if mark:
                mark = self._mark(key, mark) or ""
            kind = self._kind(f"{key}-kind", kind_edit.value) if kind_edit and kind_edit.changed \
                else self.ctx.rules.kind(grade.work_kind_id)  # an archived kind stays on the marks it is on
            if key not in self.errors and f"{key}-kind" not in self.errors and kind is not None:
                self.grade_updates.append((grade, mark, kind))

    def _check_new_marks(self) -> None:
        for student_id, (text, kind_text) in self.form.new_marks.items():
            key = f"new-{student_id}"
            if student_id not in self.ctx.on_page:
                self.errors[key] = _("This student is not on the page on the lesson's day.")
                continue
            parts = [part for part in MARK_SPLIT.split(text) if part]
            if len(parts) > 5:
                self.errors[key] = _("At most five marks at once.")
                continue
            marks = [self._mark(key, part) for part in parts]
            kind = self._kind("new_kind", kind_text)
            if key not in self.errors and kind is not None:
                self.new_marks.append((student_id, [m for m in marks if m], kind))


def _normal(name: str, text: str) -> str:
    if name == "no_homework":
        return "1" if text in ("1", "on", "true") else ""
    if name == "homework_due":
        try:
            return _day_text(parse_date(text))
        except StructureError:
            return text
    return text


def _day_text(day: date | None) -> str:
    return day.isoformat() if day else ""
