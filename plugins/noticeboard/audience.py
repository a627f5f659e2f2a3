"""Who a notice is for, who may address whom, and which notices a person sees.

A target is ``people`` (everyone, students, parents, teachers, staff) of a ``scope`` (the school, a
grade level, a class, a study group) or everyone holding a role. Rights follow the regulation
(1.13, 4.2, 4.5): the director and the deputy address anyone; a teacher the classes and groups they
teach and the staff; a class teacher their class. What a person belongs to comes from dated data
as of the day: enrollments, group memberships, guardianship, teaching assignments, appointments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import ROLES, STAFF
from core.access.scope import led_classes, taught_pages
from core.auth.services import CurrentUser
from core.i18n import N_
from core.i18n import gettext as _
from core.people.models import Enrollment, Guardianship
from core.structure.common import active_on
from core.structure.models import (
    AcademicYear, ClassGroup, ClassTeacherAppointment, StudyGroup, StudyGroupClass, StudyGroupMember, SubjectPage,
    TeachingAssignment,
)
from plugins.noticeboard.models import PEOPLE, SCOPES, NoticeboardAudience

ANYONE = frozenset({"director", "deputy"})  # address the whole school and every part of it
TEACHERS = frozenset({"teacher", "class_teacher"})


class AudienceError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    scope: str  # SCOPES
    people: str = "everyone"  # PEOPLE
    scope_id: int | None = None  # the grade level's number, the class's or the group's id
    role: str | None = None

    def __post_init__(self) -> None:
        if self.scope not in SCOPES or self.people not in PEOPLE:
            raise AudienceError(_("Choose whom the notice is for from the list."))
        if (self.scope == "role") != (self.role is not None) or (self.role is not None and self.role not in ROLES):
            raise AudienceError(_("Choose whom the notice is for from the list."))
        place = self.scope in ("grade_level", "class", "group")
        if place and (self.scope_id is None or self.people == "staff") or (not place and self.scope_id is not None):
            raise AudienceError(_("Choose whom the notice is for from the list."))  # a class has no staff of its own
        if self.scope == "role" and self.people != "everyone":
            raise AudienceError(_("Choose whom the notice is for from the list."))


@dataclass
class Belonging:
    """What a person is part of on a day, as the notice board asks it."""

    roles: frozenset[str]
    as_student: set[tuple[str, int]] = field(default_factory=set)  # ("class", id), ("grade_level", n), ("group", id)
    as_parent: set[tuple[str, int]] = field(default_factory=set)
    as_teacher: set[tuple[str, int]] = field(default_factory=set)


async def belonging(session: AsyncSession, user: CurrentUser, day: date) -> Belonging:
    """The classes, grade levels and groups a person studies in, has children in, or teaches: one
    statement (every page's nav asks it for the unread count), none for the rest of the staff."""
    found = Belonging(roles=user.roles)
    school_id = user.school_id or 0
    parts: list[Select[Any]] = []
    if "student" in user.roles:
        parts += _places_of("student", [user.id], school_id, day)
    if "parent" in user.roles:
        children = (select(Guardianship.student_id).join(Enrollment, Enrollment.student_id == Guardianship.student_id)
                    .where(Guardianship.guardian_id == user.id, Enrollment.school_id == school_id,
                           or_(Guardianship.starts_on.is_(None), Guardianship.starts_on <= day),
                           or_(Guardianship.ends_on.is_(None), Guardianship.ends_on >= day),
                           active_on(Enrollment.starts_on, Enrollment.ends_on, day)))
        parts += _places_of("parent", children, school_id, day)
    if user.roles & TEACHERS:
        parts += _places_taught(user, day)
    if not parts:
        return found
    kinds = {"student": found.as_student, "parent": found.as_parent, "teacher": found.as_teacher}
    for kind, scope, place_id in (await session.execute(union_all(*parts))).all():
        kinds[kind].add((scope, place_id))
    return found


def _places_of(kind: str, students: Any, school_id: int, day: date) -> list[Select[Any]]:
    """The classes, grade levels and groups of ``students`` (ids, or a subquery) as (kind, scope, id) rows."""
    enrolled = and_(Enrollment.student_id.in_(students), Enrollment.school_id == school_id,
                    active_on(Enrollment.starts_on, Enrollment.ends_on, day))
    return [
        select(literal(kind), literal("class"), Enrollment.class_group_id).where(enrolled),
        select(literal(kind), literal("grade_level"), ClassGroup.grade_level)
        .join(Enrollment, Enrollment.class_group_id == ClassGroup.id).where(enrolled),
        select(literal(kind), literal("group"), StudyGroupMember.study_group_id).where(
            StudyGroupMember.student_id.in_(students), active_on(StudyGroupMember.starts_on, StudyGroupMember.ends_on, day)),
    ]


def _places_taught(user: CurrentUser, day: date) -> list[Select[Any]]:
    """The classes (a taught group's too, with their grade levels) and groups a teacher teaches or
    leads on the day, as ("teacher", scope, id) rows."""
    school_id = user.school_id or 0
    pages = (select(TeachingAssignment.subject_page_id).join(SubjectPage, SubjectPage.id == TeachingAssignment.subject_page_id)
             .where(TeachingAssignment.teacher_id == user.id, SubjectPage.school_id == school_id,
                    active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, day)))
    groups = select(SubjectPage.study_group_id).where(SubjectPage.id.in_(pages), SubjectPage.study_group_id.is_not(None))
    classes = union_all(
        select(SubjectPage.class_group_id).where(SubjectPage.id.in_(pages), SubjectPage.class_group_id.is_not(None)),
        select(ClassTeacherAppointment.class_group_id).where(
            ClassTeacherAppointment.teacher_id == user.id, ClassTeacherAppointment.school_id == school_id,
            active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, day)),
        select(StudyGroupClass.class_group_id).where(StudyGroupClass.study_group_id.in_(groups)))
    return [
        select(literal("teacher"), literal("class"), ClassGroup.id).where(ClassGroup.id.in_(classes)),
        select(literal("teacher"), literal("grade_level"), ClassGroup.grade_level).where(ClassGroup.id.in_(classes)),
        select(literal("teacher"), literal("group"), groups.selected_columns[0]).where(SubjectPage.id.in_(pages),
                                                                                       SubjectPage.study_group_id.is_not(None)),
    ]


async def places_of_students(session: AsyncSession, students: list[int], school_id: int, day: date) -> set[tuple[str, int]]:
    """The classes, grade levels and groups of these students on the day (the diary's child)."""
    if not students:
        return set()
    rows = (await session.execute(union_all(*_places_of("student", students, school_id, day)))).all()
    return {(scope, place_id) for _kind, scope, place_id in rows}


def reaches(target: Target, who: Belonging) -> bool:
    """Whether the target includes the person."""
    if target.scope == "role":
        return target.role in who.roles
    if target.scope == "school":
        return {"everyone": True, "students": "student" in who.roles, "parents": "parent" in who.roles,
                "teachers": bool(who.roles & TEACHERS), "staff": bool(who.roles & STAFF)}[target.people]
    place = (target.scope, target.scope_id or 0)
    groups = {"students": who.as_student, "parents": who.as_parent, "teachers": who.as_teacher}
    if target.people == "everyone":
        return any(place in places for places in groups.values())
    return place in groups.get(target.people, set())


def reaching(who: Belonging) -> ColumnElement[bool]:
    """:func:`reaches` as SQL: the audience rows that include the person (one OR of a few terms)."""
    school_people = ["everyone", *(["students"] if "student" in who.roles else []), *(["parents"] if "parent" in who.roles else []),
                     *(["teachers"] if who.roles & TEACHERS else []), *(["staff"] if who.roles & STAFF else [])]
    terms = [and_(NoticeboardAudience.scope == "school", NoticeboardAudience.people.in_(school_people)),
             and_(NoticeboardAudience.scope == "role", NoticeboardAudience.role.in_(sorted(who.roles)))]
    for people, places in (("students", who.as_student), ("parents", who.as_parent), ("teachers", who.as_teacher)):
        for scope in ("grade_level", "class", "group"):
            ids = sorted(place_id for place_scope, place_id in places if place_scope == scope)
            if ids:
                terms.append(and_(NoticeboardAudience.scope == scope, NoticeboardAudience.scope_id.in_(ids),
                                  NoticeboardAudience.people.in_((people, "everyone"))))
    return or_(*terms)


async def check_rights(session: AsyncSession, user: CurrentUser, targets: list[Target], day: date) -> None:
    """An audience the author may address: refused whole if any target is beyond their rights."""
    if not targets:
        raise AudienceError(_("Choose whom the notice is for."))
    if await beyond_rights(session, user, targets, day):
        raise AudienceError(beyond_message(user))


def beyond_message(user: CurrentUser) -> str:
    """Why an audience is refused: the director and the deputy address anyone in the school, so for
    them it can only be something not offered (a forged form)."""
    if user.roles & ANYONE:
        return _("Choose whom the notice is for from the list.")
    return _("You may address the classes and groups you teach, your own class and the staff.")


async def beyond_rights(session: AsyncSession, user: CurrentUser, targets: list[Target], day: date) -> list[Target]:
    """The targets the person may not address (a forged class of another school among them)."""
    if user.roles & ANYONE:
        return await _missing_targets(session, user.school_id or 0, targets)
    addressed = await places_addressed(session, user, day)
    return [target for target in targets
            if not (target.scope == "school" and target.people in ("staff", "teachers") and user.roles & TEACHERS
                    or (target.scope, target.scope_id) in addressed)]


async def places_addressed(session: AsyncSession, user: CurrentUser, day: date) -> set[tuple[str, int]]:
    """The classes and groups a teacher may address: a class whose subject page they teach (not a
    class one of whose groups they teach: a group teacher addresses the group), a group they teach,
    the class they lead."""
    school_id = user.school_id or 0
    led = {("class", class_id) for class_id in await led_classes(session, user.id, school_id, day)}
    if "teacher" not in user.roles:
        return led
    pages = await taught_pages(session, user.id, school_id, day)
    rows = (await session.execute(select(SubjectPage.class_group_id, SubjectPage.study_group_id).where(
        SubjectPage.id.in_(pages or [0])))).all()
    return led | {("class", c) for c, _g in rows if c} | {("group", g) for _c, g in rows if g}


async def _missing_targets(session: AsyncSession, school_id: int, targets: list[Target]) -> list[Target]:
    """Classes and groups of another school (a forged form) or no grade level at all: no target."""
    classes = {t.scope_id for t in targets if t.scope == "class"}
    groups = {t.scope_id for t in targets if t.scope == "group"}
    found = {("class", class_id) for class_id in (await session.execute(select(ClassGroup.id).where(
        ClassGroup.id.in_(classes or {0}), ClassGroup.school_id == school_id))).scalars()}
    found |= {("group", group_id) for group_id in (await session.execute(select(StudyGroup.id).where(
        StudyGroup.id.in_(groups or {0}), StudyGroup.school_id == school_id))).scalars()}
    return [t for t in targets if t.scope in ("class", "group") and (t.scope, t.scope_id) not in found
            or t.scope == "grade_level" and not 1 <= (t.scope_id or 0) <= 11]


# ---- the editor's choices and a notice's audience in words ----------------------------------------

PLACE_PEOPLE = ("everyone", "students", "parents", "teachers")  # of a grade level, a class, a group
SCHOOL_PEOPLE = ("everyone", "students", "parents", "teachers", "staff")
PEOPLE_LABELS = {  # "(audience)": the words as a column of whom a notice is for, not a sentence's
    "everyone": N_("everyone (audience)"), "students": N_("students (audience)"), "parents": N_("parents (audience)"),
    "teachers": N_("teachers (audience)"), "staff": N_("staff (audience)"),
}


@dataclass(frozen=True)
class Place:
    scope: str  # "grade_level", "class", "group"
    id: int
    name: str


@dataclass(frozen=True)
class Choices:
    """What the editor offers its author: whom of the school, which grade levels, classes, groups, roles."""

    school_people: tuple[str, ...]
    places: tuple[Place, ...]
    roles: tuple[str, ...]

    def places_of(self, scope: str) -> list[Place]:
        return [place for place in self.places if place.scope == scope]


def target_value(target: Target) -> str:
    """How a target travels in the editor's form: ``class:12:parents``, ``role:secretary``."""
    if target.scope == "role":
        return f"role:{target.role}"
    return f"{target.scope}:{target.scope_id or 0}:{target.people}"


def parse_targets(values: list[str]) -> tuple[Target, ...]:
    """The form's checked targets; anything not made by :func:`target_value` is refused whole."""
    found = []
    for value in values[:500]:
        parts = value.split(":")
        if len(parts) == 2 and parts[0] == "role":
            found.append(Target("role", "everyone", None, parts[1]))
            continue
        if len(parts) != 3 or not parts[1].isascii() or not parts[1].isdigit() or len(parts[1]) > 9:
            raise AudienceError(_("Choose whom the notice is for from the list."))
        scope_id = None if parts[0] == "school" and parts[1] == "0" else int(parts[1])
        found.append(Target(parts[0], parts[2], scope_id))
    return tuple(dict.fromkeys(found))


async def choices_for(session: AsyncSession, user: CurrentUser, day: date) -> Choices:
    """The director and the deputy: the whole school, every grade level, class, group and role of
    the year; a teacher: the staff, and the classes and groups they teach or lead."""
    school_id = user.school_id or 0
    year_id = await _year_of(session, school_id, day)
    if user.roles & ANYONE:
        classes = (await session.execute(select(ClassGroup.id, ClassGroup.grade_level, ClassGroup.letter).where(
            ClassGroup.academic_year_id == year_id))).all()
        groups = (await session.execute(select(StudyGroup.id, StudyGroup.name, StudyGroup.grade_level).where(
            StudyGroup.academic_year_id == year_id))).all()
        levels = sorted({level for _id, level, _letter in classes})
        places = [Place("grade_level", level, str(level)) for level in levels]
        return Choices(SCHOOL_PEOPLE, tuple(places + _class_places(classes) + _group_places(groups)),
                       tuple(role for role in ROLES if role != "operator"))
    addressed = await places_addressed(session, user, day)
    classes = (await session.execute(select(ClassGroup.id, ClassGroup.grade_level, ClassGroup.letter).where(
        ClassGroup.id.in_({place_id for scope, place_id in addressed if scope == "class"} or {0})))).all()
    groups = (await session.execute(select(StudyGroup.id, StudyGroup.name, StudyGroup.grade_level).where(
        StudyGroup.id.in_({place_id for scope, place_id in addressed if scope == "group"} or {0})))).all()
    school = ("staff", "teachers") if user.roles & TEACHERS else ()
    return Choices(school, tuple(_class_places(classes) + _group_places(groups)), ())


def _class_places(rows: Any) -> list[Place]:
    return [Place("class", class_id, f"{level}{letter}") for class_id, level, letter in
            sorted(rows, key=lambda row: (row[1], row[2]))]


def _group_places(rows: Any) -> list[Place]:
    """By grade level, then name: «2А, …» before «10А, …»."""
    return [Place("group", group_id, name) for group_id, name, _level in sorted(rows, key=lambda row: (row[2], row[1]))]


async def _year_of(session: AsyncSession, school_id: int, day: date) -> int:
    """The school year of ``day``; in the summer, the coming one (or the last one)."""
    years = (await session.execute(select(AcademicYear.id, AcademicYear.starts_on, AcademicYear.ends_on).where(
        AcademicYear.school_id == school_id).order_by(AcademicYear.starts_on))).all()
    current = [year_id for year_id, starts, ends in years if starts <= day <= ends]
    coming = [year_id for year_id, starts, _ends in years if starts > day]
    return (current or coming or [year_id for year_id, _s, _e in years[-1:]] or [0])[0]


async def describe_targets(session: AsyncSession, targets: list[Target]) -> list[str]:
    """The audience in words, for the notice's page: «5А: родители», «Вся школа: сотрудники»."""
    class_ids = {t.scope_id for t in targets if t.scope == "class"}
    group_ids = {t.scope_id for t in targets if t.scope == "group"}
    names: dict[tuple[str, int | None], str] = {}
    for class_id, level, letter in (await session.execute(select(ClassGroup.id, ClassGroup.grade_level, ClassGroup.letter).where(
            ClassGroup.id.in_(class_ids or {0})))).all():
        names[("class", class_id)] = f"{level}{letter}"
    for group_id, name in (await session.execute(select(StudyGroup.id, StudyGroup.name).where(
            StudyGroup.id.in_(group_ids or {0})))).all():
        names[("group", group_id)] = name
    return [describe_target(target, names) for target in targets]


def describe_target(target: Target, names: dict[tuple[str, int | None], str]) -> str:
    if target.scope == "role":
        return _("Role: %(role)s", role=_(ROLES.get(target.role or "", target.role or "")))
    people = _(PEOPLE_LABELS[target.people])
    if target.scope == "school":
        return _("The whole school: %(people)s", people=people)
    if target.scope == "grade_level":
        return _("Grade %(level)s: %(people)s", level=target.scope_id, people=people)
    return _("%(place)s: %(people)s", place=names.get((target.scope, target.scope_id), "—"), people=people)
