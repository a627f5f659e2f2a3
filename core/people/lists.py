"""Class lists and the staff list: a plan of what an uploaded file would change, and applying that
plan (regulation 4.9). ``list_export`` writes the lists back to XLSX in the columns read here.

``plan_list`` only reads: it loads the school's people, enrollments and families once (a fixed
number of statements whatever the file's length), matches every row on a stable key and says what
confirming would do, with every problem by row and column, checking each row as ``PeopleService``
would. ``apply_list`` writes exactly that plan, in bulk (a fixed number of statements too); the
page plans again on the stored file inside the write transaction, after taking the school's lock,
so the plan it applies is checked against the data of that moment.

Stable keys: a student is the casefolded full name and the birth date (namesakes exist); a staff
member the casefolded name and, when given, the birth date. An empty cell never erases stored data,
so re-importing an exported list changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Union

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import STAFF
from core.auth.models import RoleGrant, UserAccount
from core.i18n import gettext as _
from core.people.admission import ADULT_AGE, age_on
from core.people.importing import FIELDS_BY_NAME, CellProblem, ImportedRow, ImportResult, read_table, split_full_name
from core.people.models import GUARDIAN_KIND_LABELS, Enrollment, Guardianship, PersonProfile, StaffPosition
from core.people.services import NEEDS_DOCUMENT, full_name, search_key
from core.school.models import School
from core.structure.common import StructureError, active_on, check_within_year, format_day
from core.structure.models import AcademicYear, ClassGroup
from core.structure.organisation import LATIN_LOOKALIKES

LIST_KINDS = ("students", "staff")
ACTIONS = ("new", "readmitted", "updated", "unchanged", "error")
ORDER_LATEST_DAYS = 31  # as PeopleService.enroll: an order is not dated long after the admission
TEACHER_POSITION = "учитель"  # «учитель математики» makes a teacher; other roles are the administrator's choice

# Who a representative is, in the words of the school's files (ё as е, spaces collapsed); list_export.KIND_TITLES writes them.
KIND_WORDS = {
    "мать": "mother", "мама": "mother", "отец": "father", "папа": "father", "опекун": "guardian",
    "попечитель": "trustee", "приемный родитель": "foster_parent", "приемная мать": "foster_parent",
    "приемный отец": "foster_parent", "другое": "other", "другой": "other", "иное": "other",
    "законный представитель": "other", "mother": "mother", "father": "father", "guardian": "guardian",
    "trustee": "trustee", "foster parent": "foster_parent", "foster_parent": "foster_parent", "other": "other",
}


# ---- the plan --------------------------------------------------------------------------------------


@dataclass
class ListDefaults:
    year: AcademicYear
    class_group: ClassGroup | None  # rows without a «Класс» value go here
    starts_on: date | None  # admission date for rows without one (staff: position start)
    order_number: str  # for rows without one
    order_date: date | None
    start_kind: str = "admitted"  # or "continued": the year's lists of students who studied here last year


@dataclass
class RowPlan:
    row: int  # spreadsheet row number
    name: str  # full name
    class_name: str  # "5А" (staff: the position)
    action: str  # ACTIONS
    changes: list[str]  # translated, short: what confirming does
    problems: list[CellProblem]
    steps: list[Any] = field(default_factory=list, repr=False, compare=False)  # what apply_list writes for the row


@dataclass
class ListPlan:
    kind: str  # LIST_KINDS
    rows: list[RowPlan]
    problems: list[CellProblem]  # all of them: reading (row 0 = the file) and checking against the data, by row
    columns: dict[str, str]
    ignored_columns: list[str]
    filename: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def counts(self) -> dict[str, int]:
        return dict(Counter(row.action for row in self.rows))


@dataclass
class NewPersonStep:
    """A person the plan creates; rows share it (a parent of siblings, a student on two rows)."""

    last_name: str
    first_name: str
    middle_name: str
    birth_date: date | None = None
    phone: str = ""
    email: str = ""
    id: int | None = None  # set when apply_list has created it

    @property
    def name(self) -> str:
        return full_name(self.last_name, self.first_name, self.middle_name)


PersonRef = Union[int, NewPersonStep]


def _identity(ref: PersonRef) -> tuple[str, int]:
    """A hashable name for a person, stored or still to be created."""
    return ("stored", ref) if isinstance(ref, int) else ("new", id(ref))


@dataclass
class _Known:
    """A person of the school as the plan sees them."""

    id: int
    name: str
    key: str  # folded full name
    birth_date: date | None
    phone: str
    email: str


# What apply_list writes, step by step.
@dataclass
class EnrollStep:
    student: PersonRef
    class_group_id: int
    starts_on: date
    order_number: str
    order_date: date


@dataclass
class ContactsStep:
    person_id: int
    values: dict[str, tuple[Any, Any]]  # field → (old, new)


@dataclass
class LinkStep:
    student: PersonRef
    guardian: PersonRef
    kind: str


@dataclass
class PositionStep:
    person: PersonRef
    title: str
    starts_on: date
    teacher: bool  # grant the teacher role (new people only)


async def plan_list(session: AsyncSession, school_id: int, kind: str, data: bytes, filename: str, defaults: ListDefaults,
                    today: date) -> ListPlan:
    """What confirming the file would do, row by row; writes nothing."""
    if kind not in LIST_KINDS:
        raise ValueError(f"unknown list kind {kind!r}")
    result = read_table(data, filename, required=("last_name", "first_name"), today=today)
    if result.problems and any(problem.row == 0 for problem in result.problems) or not result.rows:
        return ListPlan(kind, [], _in_order(result.problems, result), result.columns, result.ignored_columns, filename)
    planner = _StudentPlanner(session, school_id, result, defaults) if kind == "students" else \
        _StaffPlanner(session, school_id, result, defaults, today)
    rows = await planner.plan()
    problems = _in_order([*result.problems, *planner.problems], result)
    by_row: dict[int, list[CellProblem]] = {}
    for problem in problems:
        by_row.setdefault(problem.row, []).append(problem)
    for row in rows:
        row.problems = by_row.get(row.row, [])
        if row.problems:
            row.action, row.steps = "error", []
    return ListPlan(kind, rows, problems, result.columns, result.ignored_columns, filename)


def _in_order(problems: list[CellProblem], result: ImportResult) -> list[CellProblem]:
    """By row, and within a row by the file's column order, as the secretary reads the file."""
    place = {header: number for number, header in enumerate(result.columns.values())}
    return sorted(problems, key=lambda problem: (problem.row, place.get(problem.column, len(place))))


class _Planner:
    """What both lists share: the reader's result, the problems found, contacts compared."""

    def __init__(self, session: AsyncSession, school_id: int, result: ImportResult, defaults: ListDefaults) -> None:
        self.session, self.school_id, self.result, self.defaults = session, school_id, result, defaults
        self.problems: list[CellProblem] = []
        self.reading_problems = {(problem.row, problem.column) for problem in result.problems}

    def column(self, name: str) -> str:
        """The column's header as the file writes it, else its usual title."""
        found = self.result.columns.get(name)
        if found is None and name in ("last_name", "first_name", "middle_name"):
            found = self.result.columns.get("full_name")
        return found or _(FIELDS_BY_NAME[name].label)

    def problem(self, row: ImportedRow, name: str, message: str) -> None:
        column = self.column(name)
        if (row.row, column) not in self.reading_problems:  # the reader's message already says it
            self.problems.append(CellProblem(row.row, column, message))

    def name_parts(self, row: ImportedRow) -> tuple[str, str, str] | None:
        last, first, middle = (row.values.get(part) or "" for part in ("last_name", "first_name", "middle_name"))
        if not last or not first:
            return None  # the reader has said so
        for part, value in (("last_name", last), ("first_name", first), ("middle_name", middle)):
            if len(value) > 100:
                self.problem(row, part, _("Enter a name of letters, spaces and hyphens (at most 100 characters)."))
                return None
        return last, first, middle

    def contact_changes(self, row: ImportedRow, person: _Known, planned: dict[str, str]) -> dict[str, tuple[str, str]]:
        """Phone and email the row changes: an empty cell never erases, the same digits are no change."""
        found: dict[str, tuple[str, str]] = {}
        for name in ("phone", "email"):
            new = row.values.get(name)
            current = planned.get(name, getattr(person, name))
            if new and not _same_contact(name, current, new):
                found[name] = (current, new)
                planned[name] = new
        return found


def _same_contact(name: str, old: str, new: str) -> bool:
    if name == "phone":
        return _digits(old) == _digits(new)
    return old.casefold() == new.casefold()


def _digits(phone: str | None) -> str:
    """A phone's digits as one number: «8 (900) …», «+7 900 …» and «900 …» are the same Russian number."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("8"):
        return "7" + digits[1:]
    return "7" + digits if len(digits) == 10 else digits


def _change(name: str, old: Any, new: Any) -> str:
    label = {"phone": _("phone"), "email": _("email"), "birth_date": _("date of birth")}[name]
    shown = [format_day(value) if isinstance(value, date) else value for value in (old, new)]
    return _("%(field)s: %(old)s → %(new)s", field=label, old=shown[0] or "—", new=shown[1])


def _folded_key(last: str, first: str, middle: str) -> str:
    return search_key(last, first, middle)


# ---- class lists -----------------------------------------------------------------------------------


@dataclass
class _FileStudent:
    """A student as the file has them so far (they may be on several rows, one per representative)."""

    first_row: int
    ref: PersonRef
    row_plan: RowPlan
    class_group_id: int | None
    starts_on: date | None
    birth_date: date
    enrolling: bool
    known: _Known | None = None  # the stored student, if any
    file_contacts: dict[str, str] = field(default_factory=dict)  # the student's contacts as the file gives them
    contacts: dict[str, str] = field(default_factory=dict)  # planned new values of a stored student
    linked: set[tuple[str, int]] = field(default_factory=set)  # guardians linked or to be linked
    links: dict[str, tuple[Any, str]] = field(default_factory=dict)  # folded name → (guardian id or None, kind)
    has_representative: bool = False


class _StudentPlanner(_Planner):
    async def plan(self) -> list[RowPlan]:
        if "birth_date" not in self.result.columns:
            self.problems.append(CellProblem(0, "", _("The file has no column %(column)s.", column=_("Date of birth"))))
            return []
        await self._load()
        self.file_students: dict[tuple[str, date], _FileStudent] = {}
        self.new_guardians: dict[tuple[str, str], NewPersonStep] = {}
        rows = [self._plan_row(row) for row in self.result.rows]
        self._check_representatives()
        return rows

    async def _load(self) -> None:
        """Everything the rows are checked against, in a fixed number of statements."""
        school = await self.session.get(School, self.school_id)
        assert school is not None
        self.representative_required = school.representative_required
        year = self.defaults.year
        classes = (await self.session.execute(select(ClassGroup).where(
            ClassGroup.academic_year_id == year.id, ClassGroup.school_id == self.school_id))).scalars()
        self.classes = {(one.grade_level, one.letter.upper()): one for one in classes}
        students = or_(PersonProfile.user_id.in_(select(Enrollment.student_id).where(Enrollment.school_id == self.school_id)),
                       PersonProfile.user_id.in_(select(RoleGrant.user_id).where(
                           RoleGrant.school_id == self.school_id, RoleGrant.role == "student")))
        self.by_key: dict[tuple[str, date | None], list[_Known]] = {}
        for profile in (await self.session.execute(select(PersonProfile).where(students))).scalars():
            known = _known(profile)
            self.by_key.setdefault((known.key, known.birth_date), []).append(known)
        self.enrollments: dict[int, list[tuple[Enrollment, str]]] = {}
        for enrollment, level, letter in (await self.session.execute(
                select(Enrollment, ClassGroup.grade_level, ClassGroup.letter)
                .join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
                .where(Enrollment.student_id.in_(select(PersonProfile.user_id).where(students))))).all():
            self.enrollments.setdefault(enrollment.student_id, []).append((enrollment, f"{level}{letter}"))
        self.guardians_of: dict[int, list[tuple[_Known, str]]] = {}
        self.representatives: dict[tuple[str, str], _Known] = {}  # (folded name, phone digits) → the school's parent
        self.represented: set[int] = set()  # students with a representative whose link has not ended
        seen: dict[int, _Known] = {}
        for link, account, profile in (await self.session.execute(
                select(Guardianship, UserAccount, PersonProfile)
                .join(UserAccount, UserAccount.id == Guardianship.guardian_id)
                .outerjoin(PersonProfile, PersonProfile.user_id == Guardianship.guardian_id)
                .where(Guardianship.student_id.in_(select(PersonProfile.user_id).where(students)))
                .order_by(Guardianship.guardian_id))).all():
            if account.id not in seen:  # one object per parent: a change planned on one child's row shows on the next
                seen[account.id] = _known(profile) if profile is not None else _account_only(account)
            guardian = seen[account.id]
            self.guardians_of.setdefault(link.student_id, []).append((guardian, link.kind))
            if link.ends_on is None or self.defaults.starts_on is None or link.ends_on >= self.defaults.starts_on:
                self.represented.add(link.student_id)
            if _digits(guardian.phone):
                self.representatives.setdefault((guardian.key, _digits(guardian.phone)), guardian)

    # -- one row

    def _plan_row(self, row: ImportedRow) -> RowPlan:
        parts = self.name_parts(row)
        name = full_name(*parts) if parts else " ".join(filter(None, (row.values.get("last_name"), row.values.get("first_name"))))
        class_group = self._class_of(row)
        shown_class = class_group.name if class_group else row.values.get("class_name") or ""
        plan = RowPlan(row.row, name, shown_class, "unchanged", [], [])
        birth_date = row.values.get("birth_date")
        if birth_date is None:
            self.problem(row, "birth_date", _("Enter the date of birth: it tells namesakes apart."))
        starts_on = self._admission(row)
        if parts is None or birth_date is None:
            return plan
        key = (_folded_key(*parts), birth_date)
        earlier = self.file_students.get(key)
        if earlier is not None:
            self._repeat(row, plan, earlier, class_group, starts_on)
            return plan
        matches = self.by_key.get(key, [])
        if len(matches) > 1:
            self.problem(row, "last_name", _("Several people of the school have this name and date of birth: "
                                             "correct them in their cards first."))
            return plan
        student = matches[0] if matches else None
        entry = _FileStudent(row.row, student.id if student else NewPersonStep(*parts, birth_date), plan,
                             class_group.id if class_group else None, starts_on, birth_date, False, student)
        entry.file_contacts = {name: row.values[name] for name in ("phone", "email") if row.values.get(name)}
        self.file_students[key] = entry
        if student is None:
            assert isinstance(entry.ref, NewPersonStep)
            entry.ref.phone, entry.ref.email = row.values.get("phone") or "", row.values.get("email") or ""
            if class_group is not None and starts_on is not None:
                self._admit(row, plan, entry, class_group, starts_on, "new")
        else:
            stored = self.guardians_of.get(student.id, [])
            entry.has_representative = student.id in self.represented
            entry.links = {guardian.key: (guardian, kind) for guardian, kind in stored}
            entry.linked = {_identity(guardian.id) for guardian, _kind in stored}
            if class_group is not None and starts_on is not None:
                self._existing(row, plan, entry, student, class_group, starts_on)
        self._representative(row, plan, entry)  # checked even on a row with other problems: all are shown at once
        if plan.action == "unchanged" and plan.changes:
            plan.action = "updated"
        return plan

    def _class_of(self, row: ImportedRow) -> ClassGroup | None:
        written = row.values.get("class_name")
        if written is None:
            if self.defaults.class_group is None:
                self.problem(row, "class_name", _("Enter the class, or choose one class for the whole list."))
            return self.defaults.class_group
        found = self.classes.get(class_key(written) or (0, ""))
        if found is None:
            self.problem(row, "class_name", _("There is no class %(name)s in the school year %(year)s.",
                                              name=written, year=self.defaults.year.name))
        return found

    def _admission(self, row: ImportedRow) -> date | None:
        starts_on = row.values.get("admitted_on") or self.defaults.starts_on
        if starts_on is None:
            self.problem(row, "admitted_on", _("Enter the admission date, or give one for the whole list."))
            return None
        try:
            check_within_year(self.defaults.year, starts_on, None)
        except StructureError as refusal:
            self.problem(row, "admitted_on", refusal.message)
            return None
        return starts_on

    def _admit(self, row: ImportedRow, plan: RowPlan, entry: _FileStudent, class_group: ClassGroup, starts_on: date,
               action: str) -> None:
        order_number = " ".join((row.values.get("order_number") or self.defaults.order_number or "").split())
        order_date = row.values.get("order_date") or self.defaults.order_date
        if not order_number or order_date is None or len(order_number) > 40:
            self.problem(row, "order_number", _("Enter the number and date of the order."))
            return
        if order_date > starts_on + timedelta(days=ORDER_LATEST_DAYS):
            self.problem(row, "order_date", _("The order is dated long after the admission: check the dates."))
            return
        plan.action, entry.enrolling = action, True
        plan.steps.append(EnrollStep(entry.ref, class_group.id, starts_on, order_number, order_date))
        plan.changes.append(_("enroll in %(class_name)s from %(day)s, order %(number)s of %(order_day)s",
                              class_name=class_group.name, day=format_day(starts_on), number=order_number,
                              order_day=format_day(order_date)))

    def _existing(self, row: ImportedRow, plan: RowPlan, entry: _FileStudent, student: _Known, class_group: ClassGroup,
                  starts_on: date) -> None:
        enrollments = self.enrollments.get(student.id, [])
        current = next(((one, name) for one, name in enrollments if _active(one, starts_on)), None)
        if current is not None and current[0].class_group_id != class_group.id:
            self.problem(row, "class_name", _("Already studies in %(class_name)s from %(day)s: a transfer is made in the "
                                              "student's card.", class_name=current[1], day=format_day(current[0].starts_on)))
            return
        if current is None:
            later = next(((one, name) for one, name in enrollments if one.ends_on is None or one.ends_on >= starts_on), None)
            if later is not None:
                self.problem(row, "admitted_on", _("The student is already enrolled in %(class_name)s from %(day)s.",
                                                   class_name=later[1], day=format_day(later[0].starts_on)))
                return
            self._admit(row, plan, entry, class_group, starts_on, "readmitted")
        changes = self.contact_changes(row, student, entry.contacts)
        if changes:
            plan.steps.append(ContactsStep(student.id, changes))
            plan.changes += [_change(name, old, new) for name, (old, new) in changes.items()]

    def _repeat(self, row: ImportedRow, plan: RowPlan, earlier: _FileStudent, class_group: ClassGroup | None,
                starts_on: date | None) -> None:
        """A later row of a student: it must agree with the first, and may add a representative."""
        for name, mine, theirs in (("class_name", class_group.id if class_group else None, earlier.class_group_id),
                                   ("admitted_on", starts_on, earlier.starts_on)):
            if mine is not None and theirs is not None and mine != theirs:
                self.problem(row, name, _("This student is on row %(row)s with another value in the column %(column)s.",
                                          row=earlier.first_row, column=self.column(name)))
                return
        for name in ("phone", "email"):
            mine, theirs = row.values.get(name), earlier.file_contacts.get(name)
            if mine and theirs and not _same_contact(name, theirs, mine):
                self.problem(row, name, _("This student is on row %(row)s with another value in the column %(column)s.",
                                          row=earlier.first_row, column=self.column(name)))
                return
            if mine and not theirs:  # the first row left it empty: this row fills it
                earlier.file_contacts[name] = mine
                if isinstance(earlier.ref, NewPersonStep):
                    setattr(earlier.ref, name, mine)
        if earlier.known is not None:
            changes = self.contact_changes(row, earlier.known, earlier.contacts)
            if changes:
                plan.steps.append(ContactsStep(earlier.known.id, changes))
                plan.changes += [_change(name, old, new) for name, (old, new) in changes.items()]
        if earlier.enrolling:
            plan.action = earlier.row_plan.action
        self._representative(row, plan, earlier)
        if plan.action == "unchanged" and plan.changes:
            plan.action = "updated"

    # -- representatives

    def _representative(self, row: ImportedRow, plan: RowPlan, student: _FileStudent) -> None:
        written = row.values.get("guardian_full_name")
        phone = row.values.get("guardian_phone") or ""
        if written is None:
            if phone or row.values.get("guardian_kind"):
                self.problem(row, "guardian_full_name", _("Enter the parent's full name."))
            return
        parts = split_full_name(written)
        if parts is None:
            self.problem(row, "guardian_full_name", _("Enter at least the last name and the first name."))
            return
        last, first, middle = parts[0], parts[1], parts[2] or ""
        if max(len(last), len(first), len(middle)) > 100:  # as a student's name parts: the profile keeps 100
            self.problem(row, "guardian_full_name", _("Enter a name of letters, spaces and hyphens (at most 100 characters)."))
            return
        kind = self._kind(row)
        if kind is None:
            return
        key = _folded_key(last, first, middle)
        stored = student.links.get(key)
        if stored is not None:  # already represents the student: the file may update the phone
            self._same_link(row, plan, stored, kind)
            return
        if kind in NEEDS_DOCUMENT:
            self.problem(row, "guardian_kind", _("Add a guardian in the student's card, with the decision that appointed them."))
            return
        guardian: PersonRef | None = self.representatives.get((key, _digits(phone))) if _digits(phone) else None
        if guardian is not None:
            guardian = guardian.id  # type: ignore[union-attr]
        elif _digits(phone) and (key, _digits(phone)) in self.new_guardians:
            guardian = self.new_guardians[(key, _digits(phone))]
        else:
            guardian = NewPersonStep(last, first, middle, phone=phone)
            if _digits(phone):
                self.new_guardians[(key, _digits(phone))] = guardian
        student.links[key] = (guardian, kind)
        student.has_representative = True
        identity = _identity(guardian)
        if identity in student.linked:
            return
        student.linked.add(identity)
        plan.steps.append(LinkStep(student.ref, guardian, kind))
        plan.changes.append(_("add a representative: %(name)s (%(kind)s)", name=full_name(last, first, middle),
                              kind=_(GUARDIAN_KIND_LABELS[kind])))

    def _kind(self, row: ImportedRow) -> str | None:
        written = row.values.get("guardian_kind")
        if written is None:
            return "other"
        kind = KIND_WORDS.get(" ".join(search_key(written).split()))
        if kind is None:
            self.problem(row, "guardian_kind", _("Write mother, father, guardian, trustee, foster parent or other."))
        return kind

    def _same_link(self, row: ImportedRow, plan: RowPlan, stored: tuple[Any, str], kind: str) -> None:
        guardian, stored_kind = stored
        if row.values.get("guardian_kind") is not None and kind != stored_kind:
            self.problem(row, "guardian_kind", _("The student's card says %(kind)s: change the link in the card.",
                                                 kind=_(GUARDIAN_KIND_LABELS[stored_kind])))
            return
        phone = row.values.get("guardian_phone")
        if not isinstance(guardian, _Known) or not phone or _same_contact("phone", guardian.phone, phone):
            return
        plan.steps.append(ContactsStep(guardian.id, {"phone": (guardian.phone, phone)}))
        plan.changes.append(_("phone of %(name)s: %(old)s → %(new)s", name=guardian.name, old=guardian.phone or "—", new=phone))
        guardian.phone = phone  # a sibling's row with the new number is then no change

    def _check_representatives(self) -> None:
        """The school's rule: a minor admitted has a legal representative on record."""
        if not self.representative_required:
            return
        for entry in self.file_students.values():
            if entry.enrolling and not entry.has_representative and entry.starts_on is not None \
                    and age_on(entry.birth_date, entry.starts_on) < ADULT_AGE:
                self.problems.append(CellProblem(entry.first_row, self.column("guardian_full_name"),
                                                 _("A minor student must have a legal representative.")))


def _known(profile: PersonProfile) -> _Known:
    return _Known(profile.user_id, full_name(profile.last_name, profile.first_name, profile.middle_name),
                  _folded_key(profile.last_name, profile.first_name, profile.middle_name), profile.birth_date,
                  profile.phone or "", profile.email or "")


def _account_only(account: UserAccount) -> _Known:
    """A person known only by their account (made on the accounts page, no profile yet)."""
    return _Known(account.id, account.full_name, search_key(account.full_name), None, "", "")


def _active(enrollment: Enrollment, day: date) -> bool:
    return enrollment.starts_on <= day and (enrollment.ends_on is None or enrollment.ends_on >= day)


def class_key(text: str) -> tuple[int, str] | None:
    """«5А», «5 а», «5-А», «5A» (Latin) → (5, "А")."""
    cleaned = re.sub(r"[\s\-–—«»\"'.]", "", text).upper().translate(LATIN_LOOKALIKES)
    match = re.fullmatch(r"(\d{1,2})(\D\w*)", cleaned)
    return (int(match[1]), match[2]) if match else None


# ---- the staff list --------------------------------------------------------------------------------


class _StaffPlanner(_Planner):
    def __init__(self, session: AsyncSession, school_id: int, result: ImportResult, defaults: ListDefaults,
                 today: date) -> None:
        super().__init__(session, school_id, result, defaults)
        self.starts_on = defaults.starts_on or today

    async def plan(self) -> list[RowPlan]:
        if "position" not in self.result.columns:
            self.problems.append(CellProblem(0, "", _("The file has no column %(column)s.", column=_("Position"))))
            return []
        await self._load()
        self.in_file: dict[tuple[str, date | None], tuple[PersonRef, RowPlan]] = {}
        return [self._plan_row(row) for row in self.result.rows]

    async def _load(self) -> None:
        # Accounts the administrator made before the list came may have no profile yet: matched by their name.
        staff = or_(UserAccount.id.in_(select(StaffPosition.user_id).where(StaffPosition.school_id == self.school_id)),
                    UserAccount.id.in_(select(RoleGrant.user_id).where(
                        RoleGrant.school_id == self.school_id, RoleGrant.role.in_(sorted(STAFF)))))
        self.by_name: dict[str, list[_Known]] = {}
        for account, profile in (await self.session.execute(
                select(UserAccount, PersonProfile).outerjoin(PersonProfile, PersonProfile.user_id == UserAccount.id)
                .where(staff).order_by(UserAccount.id))).all():
            known = _known(profile) if profile is not None else _account_only(account)
            self.by_name.setdefault(known.key, []).append(known)
        self.held: dict[tuple[str, int], set[str]] = {}
        for user_id, title in (await self.session.execute(select(StaffPosition.user_id, StaffPosition.title).where(
                StaffPosition.school_id == self.school_id,
                active_on(StaffPosition.starts_on, StaffPosition.ends_on, self.starts_on)))).all():
            self.held.setdefault(_identity(user_id), set()).add(title.casefold())
        self.contacts: dict[int, dict[str, str]] = {}
        self.teachers: set[tuple[str, int]] = set()  # new people given the teacher role by this file

    def _plan_row(self, row: ImportedRow) -> RowPlan:
        parts = self.name_parts(row)
        title = " ".join((row.values.get("position") or "").split())
        name = full_name(*parts) if parts else " ".join(filter(None, (row.values.get("last_name"), row.values.get("first_name"))))
        plan = RowPlan(row.row, name, title, "unchanged", [], [])
        if not title:
            self.problem(row, "position", _("Enter the position."))
        if parts is None or not title:
            return plan
        birth_date = row.values.get("birth_date")
        key = (_folded_key(*parts), birth_date)
        if key in self.in_file:
            person, first = self.in_file[key]
            if first.action == "new":
                plan.action = "new"
            self._position(plan, person, title, isinstance(person, NewPersonStep))
        else:
            found = self._match(row, key[0], birth_date)
            if found is False:
                return plan
            if found is None:
                person: PersonRef = NewPersonStep(*parts, birth_date, row.values.get("phone") or "", row.values.get("email") or "")
                plan.action = "new"
                self._position(plan, person, title, True)
            else:
                person = found.id
                self._existing(row, plan, found, title)
            self.in_file[key] = (person, plan)
        if plan.action == "unchanged" and plan.changes:
            plan.action = "updated"
        return plan

    def _match(self, row: ImportedRow, key: str, birth_date: date | None) -> _Known | None | bool:
        """The staff member the row means; None: a new one; False: cannot tell (a problem is noted)."""
        namesakes = self.by_name.get(key, [])
        if birth_date is not None:
            same = [one for one in namesakes if one.birth_date == birth_date]
            undated = [one for one in namesakes if one.birth_date is None]
            return same[0] if same else undated[0] if len(undated) == 1 else None
        if len(namesakes) > 1:
            self.problem(row, "birth_date", _("The school has several staff members of this name: "
                                              "add the date of birth to tell them apart."))
            return False
        return namesakes[0] if namesakes else None

    def _existing(self, row: ImportedRow, plan: RowPlan, person: _Known, title: str) -> None:
        planned = self.contacts.setdefault(person.id, {})
        changes: dict[str, tuple[Any, Any]] = dict(self.contact_changes(row, person, planned))
        birth_date = row.values.get("birth_date")
        if birth_date is not None and person.birth_date is None and "birth_date" not in planned:
            changes["birth_date"] = (None, birth_date)
            planned["birth_date"] = "set"
        if changes:
            plan.steps.append(ContactsStep(person.id, changes))
            plan.changes += [_change(name, old, new) for name, (old, new) in changes.items()]
        self._position(plan, person.id, title, False)

    def _position(self, plan: RowPlan, person: PersonRef, title: str, new_person: bool) -> None:
        identity = _identity(person)
        held = self.held.setdefault(identity, set())
        if title.casefold() in held:
            return
        held.add(title.casefold())
        teacher = new_person and title.casefold().startswith(TEACHER_POSITION) and identity not in self.teachers
        if teacher:
            self.teachers.add(identity)  # one grant, however many teaching positions
        plan.steps.append(PositionStep(person, title, self.starts_on, teacher))
        plan.changes.append(_("add the position «%(title)s» from %(day)s", title=title, day=format_day(self.starts_on)))
        if teacher:
            plan.changes.append(_("give the role «%(role)s»", role=_("Teacher")))
