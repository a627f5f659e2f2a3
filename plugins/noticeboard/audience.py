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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import ROLES, STAFF
from core.access.scope import led_classes, own_children, taught_pages
from core.auth.services import CurrentUser
from core.i18n import gettext as _
from core.people.models import Enrollment
from core.structure.common import active_on
from core.structure.models import ClassGroup, StudyGroup, StudyGroupClass, StudyGroupMember, SubjectPage
from plugins.noticeboard.models import PEOPLE, SCOPES

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
        if self.scope in ("grade_level", "class", "group") and self.scope_id is None:
            raise AudienceError(_("Choose whom the notice is for from the list."))


@dataclass
class Belonging:
    """What a person is part of on a day, as the notice board asks it."""

    roles: frozenset[str]
    as_student: set[tuple[str, int]] = field(default_factory=set)  # ("class", id), ("grade_level", n), ("group", id)
    as_parent: set[tuple[str, int]] = field(default_factory=set)
    as_teacher: set[tuple[str, int]] = field(default_factory=set)


async def belonging(session: AsyncSession, user: CurrentUser, day: date) -> Belonging:
    """The classes, grade levels and groups a person studies in, has children in, or teaches."""
    found = Belonging(roles=user.roles)
    school_id = user.school_id or 0
    if "student" in user.roles:
        found.as_student = await _places_of_students(session, [user.id], school_id, day)
    if "parent" in user.roles:
        found.as_parent = await _places_of_students(session, await own_children(session, user.id, school_id, day),
                                                    school_id, day)
    if user.roles & TEACHERS:
        found.as_teacher = await _places_taught(session, user, day)
    return found


async def _places_of_students(session: AsyncSession, students: list[int], school_id: int, day: date) -> set[tuple[str, int]]:
    if not students:
        return set()
    places: set[tuple[str, int]] = set()
    for class_id, level in (await session.execute(
            select(ClassGroup.id, ClassGroup.grade_level).join(Enrollment, Enrollment.class_group_id == ClassGroup.id)
            .where(Enrollment.student_id.in_(students), Enrollment.school_id == school_id,
                   active_on(Enrollment.starts_on, Enrollment.ends_on, day)))).all():
        places |= {("class", class_id), ("grade_level", level)}
    for (group_id,) in (await session.execute(select(StudyGroupMember.study_group_id).where(
            StudyGroupMember.student_id.in_(students), active_on(StudyGroupMember.starts_on, StudyGroupMember.ends_on, day)))).all():
        places.add(("group", group_id))
    return places


async def _places_taught(session: AsyncSession, user: CurrentUser, day: date) -> set[tuple[str, int]]:
    """The classes (with their grade levels) and groups a teacher teaches or leads on the day."""
    school_id = user.school_id or 0
    pages = await taught_pages(session, user.id, school_id, day)
    rows = (await session.execute(select(SubjectPage.class_group_id, SubjectPage.study_group_id).where(
        SubjectPage.id.in_(pages or [0])))).all()
    classes = {class_id for class_id, _group in rows if class_id} | set(await led_classes(session, user.id, school_id, day))
    groups = {group_id for _class, group_id in rows if group_id}
    classes |= set((await session.execute(select(StudyGroupClass.class_group_id).where(
        StudyGroupClass.study_group_id.in_(groups or {0})))).scalars())
    levels = set((await session.execute(select(ClassGroup.grade_level).where(ClassGroup.id.in_(classes or {0})))).scalars())
    return {("class", c) for c in classes} | {("group", g) for g in groups} | {("grade_level", n) for n in levels}


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


async def check_rights(session: AsyncSession, user: CurrentUser, targets: list[Target], day: date) -> None:
    """An audience the author may address: refused whole, naming the first target beyond their rights."""
    if not targets:
        raise AudienceError(_("Choose whom the notice is for."))
    if user.roles & ANYONE:
        await _targets_exist(session, user.school_id or 0, targets)
        return
    taught = await _places_taught(session, user, day) if user.roles & TEACHERS else set()
    led = {("class", c) for c in await led_classes(session, user.id, user.school_id or 0, day)}
    for target in targets:
        staff_only = target.scope == "school" and target.people in ("staff", "teachers")
        teaches = "teacher" in user.roles and target.scope in ("class", "group") and (target.scope, target.scope_id) in taught
        leads = (target.scope, target.scope_id) in led
        if not (staff_only and user.roles & TEACHERS or teaches or leads):
            raise AudienceError(_("You may address the classes and groups you teach, your own class and the staff."))


async def _targets_exist(session: AsyncSession, school_id: int, targets: list[Target]) -> None:
    """A class or a group of another school (a forged form) is no target at all."""
    classes = {t.scope_id for t in targets if t.scope == "class"}
    groups = {t.scope_id for t in targets if t.scope == "group"}
    found_classes = set((await session.execute(select(ClassGroup.id).where(
        ClassGroup.id.in_(classes or {0}), ClassGroup.school_id == school_id))).scalars())
    found_groups = set((await session.execute(select(StudyGroup.id).where(
        StudyGroup.id.in_(groups or {0}), StudyGroup.school_id == school_id))).scalars())
    levels_ok = all(1 <= (t.scope_id or 0) <= 11 for t in targets if t.scope == "grade_level")
    if classes - found_classes or groups - found_groups or not levels_ok:
        raise AudienceError(_("Choose whom the notice is for from the list."))
