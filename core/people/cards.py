"""The cards of people (regulation 3.8): who reaches whom, what a student's, a person's and a class's
card shows, and the change of a person's data with its old and new values for the audit log.

Reach: the administration (core.view_people) sees every person of its school; a class teacher sees
the students of the classes they lead on the day and those students' current representatives.
Anyone else, or a person of another school, is a 404 that looks like nothing at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import ROLES, STAFF
from core.access.scope import led_classes
from core.auth.models import RoleGrant, UserAccount
from core.i18n import gettext as _
from core.people.models import Enrollment, Guardianship, PersonProfile, StaffPosition
from core.people.services import _name_part, full_name, search_key
from core.structure.common import StructureError, active_on
from core.structure.models import AcademicYear, ClassGroup, StudyGroup, StudyGroupMember

# Starts with a letter or digit: nothing a spreadsheet would take for a formula when exported.
EMAIL = re.compile(r"[\w][^@\s<>\"']*@[^@\s<>\"']+\.[^@\s<>\"']+")
PHONE = re.compile(r"\+?[\d\s()\-]{5,30}")


def link_active(day: date):  # type: ignore[no-untyped-def]
    """SQL condition: the guardianship holds on the day (open ends mean "since birth", "still")."""
    return (or_(Guardianship.starts_on.is_(None), Guardianship.starts_on <= day)
            & or_(Guardianship.ends_on.is_(None), Guardianship.ends_on >= day))


def link_holds(link: Guardianship, day: date) -> bool:
    """``link_active`` for a link already loaded."""
    return (link.starts_on is None or link.starts_on <= day) and (link.ends_on is None or link.ends_on >= day)


# ---- reach --------------------------------------------------------------------------------------


async def in_school(session: AsyncSession, school_id: int, person_id: int, *, current_on: date | None = None) -> bool:
    """The person belongs to the school: studied or works there, holds a role, or represents one of its
    students. With ``current_on``, only a tie that still holds on that day (or starts later) counts:
    a student who moved to another school is no longer the old school's to change."""
    def still(ends: Any) -> Any:  # a tie not over by the day
        return true() if current_on is None else or_(ends.is_(None), ends >= current_on)

    students = select(Enrollment.student_id).where(Enrollment.school_id == school_id,
                                                   still(Enrollment.ends_on))
    links = [Guardianship.guardian_id == person_id, Guardianship.student_id.in_(students)]
    if current_on is not None:
        links.append(link_active(current_on))
    roles = [RoleGrant.school_id == school_id, RoleGrant.user_id == person_id]
    if current_on is not None:  # student and parent grants are not dated: the enrollment and the link decide
        roles.append(RoleGrant.role.in_(STAFF))
    return bool(await session.scalar(select(or_(
        exists(students.where(Enrollment.student_id == person_id)),
        exists(select(RoleGrant.id).where(*roles)),
        exists(select(StaffPosition.id).where(StaffPosition.school_id == school_id, StaffPosition.user_id == person_id,
                                              still(StaffPosition.ends_on))),
        exists(select(Guardianship.id).where(*links)),
    ))))


async def in_led_class(session: AsyncSession, school_id: int, teacher_id: int, person_id: int, day: date) -> bool:
    """The person studies in a class the teacher leads on the day, or represents such a student."""
    classes = await led_classes(session, teacher_id, school_id, day)
    if not classes:
        return False
    students = select(Enrollment.student_id).where(Enrollment.class_group_id.in_(classes),
                                                   active_on(Enrollment.starts_on, Enrollment.ends_on, day))
    return bool(await session.scalar(select(or_(
        exists(students.where(Enrollment.student_id == person_id)),
        exists(select(Guardianship.id).where(Guardianship.guardian_id == person_id, Guardianship.student_id.in_(students),
                                             link_active(day))),
    ))))


async def require_reach(session: AsyncSession, *, school_id: int, user_id: int, whole_school: bool, person_id: int,
                        day: date, writing: bool = False) -> None:
    """A 404 unless the person is within the viewer's reach (see the module's docstring). Reading
    reaches the school's history; ``writing`` only people still tied to the school on ``day``."""
    if whole_school:
        found = await in_school(session, school_id, person_id, current_on=day if writing else None)
    else:
        found = await in_led_class(session, school_id, user_id, person_id, day)
    if not found:
        raise NotFoundException()


async def require_class_reach(session: AsyncSession, *, school_id: int, user_id: int, whole_school: bool,
                              class_id: int, day: date) -> ClassGroup:
    class_group = await session.get(ClassGroup, class_id)
    if class_group is None or class_group.school_id != school_id:
        raise NotFoundException()
    if not whole_school and class_id not in await led_classes(session, user_id, school_id, day):
        raise NotFoundException()
    return class_group


# ---- cards --------------------------------------------------------------------------------------


@dataclass
class Person:
    id: int
    name: str
    login: str
    profile: PersonProfile | None


@dataclass
class EnrollmentRow:
    enrollment: Enrollment
    class_name: str
    year_name: str


@dataclass
class MembershipRow:
    member: StudyGroupMember
    group_name: str


@dataclass
class LinkRow:
    """A guardianship seen from one side: the other person, their contacts."""

    link: Guardianship
    person_id: int
    name: str
    phone: str = ""
    email: str = ""
    class_name: str = ""  # for a child: the class on the day


@dataclass
class StudentCard:
    person: Person
    enrollments: list[EnrollmentRow]
    memberships: list[MembershipRow]
    representatives: list[LinkRow]
    current: EnrollmentRow | None


@dataclass
class PersonCard:
    person: Person
    children: list[LinkRow] = field(default_factory=list)
    positions: list[StaffPosition] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # role codes in this school
    is_student: bool = False


async def person_of(session: AsyncSession, person_id: int) -> Person:
    row = (await session.execute(select(UserAccount.id, UserAccount.full_name, UserAccount.login, PersonProfile)
                                 .outerjoin(PersonProfile, PersonProfile.user_id == UserAccount.id)
                                 .where(UserAccount.id == person_id))).first()
    if row is None:
        raise NotFoundException()
    return Person(row.id, row.full_name, row.login, row.PersonProfile)


async def student_card(session: AsyncSession, school_id: int, student_id: int, day: date) -> StudentCard:
    """Four statements whatever the history's length."""
    person = await person_of(session, student_id)
    enrollments = [EnrollmentRow(enrollment, f"{level}{letter}", year_name) for enrollment, level, letter, year_name in (
        await session.execute(select(Enrollment, ClassGroup.grade_level, ClassGroup.letter, AcademicYear.name)
                              .join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
                              .join(AcademicYear, AcademicYear.id == ClassGroup.academic_year_id)
                              .where(Enrollment.student_id == student_id, Enrollment.school_id == school_id)
                              .order_by(Enrollment.starts_on.desc(), Enrollment.id.desc()))).all()]
    memberships = [MembershipRow(member, name) for member, name in (await session.execute(
        select(StudyGroupMember, StudyGroup.name).join(StudyGroup, StudyGroup.id == StudyGroupMember.study_group_id)
        .where(StudyGroupMember.student_id == student_id, StudyGroup.school_id == school_id)
        .order_by(StudyGroupMember.starts_on.desc(), StudyGroup.name))).all()]
    current = next((row for row in enrollments if row.enrollment.starts_on <= day
                    and (row.enrollment.ends_on is None or row.enrollment.ends_on >= day)), None)
    return StudentCard(person, enrollments, memberships, await representatives_of(session, [student_id]), current)


async def representatives_of(session: AsyncSession, student_ids: list[int]) -> list[LinkRow]:
    """Every representative link of the students (current and ended), with the person's contacts."""
    if not student_ids:
        return []
    return [LinkRow(link, person_id, name, profile.phone if profile else "", profile.email if profile else "")
            for link, person_id, name, profile in (await session.execute(
                select(Guardianship, UserAccount.id, UserAccount.full_name, PersonProfile)
                .join(UserAccount, UserAccount.id == Guardianship.guardian_id)
                .outerjoin(PersonProfile, PersonProfile.user_id == UserAccount.id)
                .where(Guardianship.student_id.in_(student_ids))
                .order_by(Guardianship.ends_on.is_not(None), Guardianship.kind, UserAccount.full_name))).all()]


async def person_card(session: AsyncSession, school_id: int, person_id: int, day: date) -> PersonCard:
    """A parent's children, a staff member's positions and roles: whatever applies to the person."""
    card = PersonCard(await person_of(session, person_id))
    class_on_day = (select(ClassGroup.grade_level, ClassGroup.letter).join(Enrollment, Enrollment.class_group_id == ClassGroup.id)
                    .where(Enrollment.student_id == Guardianship.student_id, Enrollment.school_id == school_id,
                           active_on(Enrollment.starts_on, Enrollment.ends_on, day)).limit(1))
    for link, child_id, name, level, letter in (await session.execute(
            select(Guardianship, UserAccount.id, UserAccount.full_name,
                   class_on_day.with_only_columns(ClassGroup.grade_level).scalar_subquery(),
                   class_on_day.with_only_columns(ClassGroup.letter).scalar_subquery())
            .join(UserAccount, UserAccount.id == Guardianship.student_id)
            .where(Guardianship.guardian_id == person_id,
                   Guardianship.student_id.in_(select(Enrollment.student_id).where(Enrollment.school_id == school_id)))
            .order_by(UserAccount.full_name))).all():
        card.children.append(LinkRow(link, child_id, name, class_name=f"{level}{letter}" if level else ""))
    card.positions = list((await session.execute(
        select(StaffPosition).where(StaffPosition.user_id == person_id, StaffPosition.school_id == school_id)
        .order_by(StaffPosition.ends_on.is_not(None), StaffPosition.starts_on.desc()))).scalars())
    roles = set((await session.execute(select(RoleGrant.role).where(
        RoleGrant.user_id == person_id, RoleGrant.school_id == school_id))).scalars())
    card.roles = [role for role in ROLES if role in roles]
    card.is_student = "student" in roles
    return card


def is_staff(card: PersonCard) -> bool:
    return bool(card.positions) or bool(STAFF & set(card.roles))


# ---- class card ---------------------------------------------------------------------------------


@dataclass
class ClassStudent:
    id: int
    name: str
    birth_date: date | None
    phone: str
    since: date
    representatives: list[LinkRow] = field(default_factory=list)


async def class_students(session: AsyncSession, class_id: int, day: date) -> list[ClassStudent]:
    """The class on the day with each student's current representatives: two statements."""
    students = [ClassStudent(row.id, row.full_name, row.birth_date, row.phone or "", row.starts_on) for row in (
        await session.execute(
            select(UserAccount.id, UserAccount.full_name, PersonProfile.birth_date, PersonProfile.phone, Enrollment.starts_on)
            .join(Enrollment, Enrollment.student_id == UserAccount.id)
            .outerjoin(PersonProfile, PersonProfile.user_id == UserAccount.id)
            .where(Enrollment.class_group_id == class_id, active_on(Enrollment.starts_on, Enrollment.ends_on, day))
            .order_by(PersonProfile.search_key, UserAccount.id))).all()]
    by_id = {student.id: student for student in students}
    for row in await representatives_of(session, list(by_id)):
        if link_holds(row.link, day):
            by_id[row.link.student_id].representatives.append(row)
    return students


# ---- changing a person's data -------------------------------------------------------------------


class StaleForm(Exception):
    """The person's data changed after the form was shown: nothing is applied."""


@dataclass
class PersonChanges:
    """What a form sends; None means "not on this form" (a class teacher's form has contacts only)."""

    phone: str
    email: str
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    birth_date: date | None = None
    names_on_form: bool = False
    version: int | None = None  # the profile's version the form showed


def clean_phone(text: str) -> str:
    text = " ".join(text.split())
    if text and not PHONE.fullmatch(text):
        raise StructureError("phone", _("Enter the phone with digits, for example +7 912 345-67-89."))
    return text


def clean_email(text: str) -> str:
    text = text.strip()
    if text and (len(text) > 200 or not EMAIL.fullmatch(text)):
        raise StructureError("email", _("Enter the e-mail address, for example name@example.ru."))
    return text


async def update_person(session: AsyncSession, person_id: int, changes: PersonChanges, today: date) -> dict[str, list[Any]]:
    """Apply the form; returns ``{field: [old, new]}`` of what changed (empty: nothing did)."""
    account = await session.get(UserAccount, person_id)
    if account is None:
        raise NotFoundException()
    profile = await session.get(PersonProfile, person_id)
    if profile is not None and changes.version != profile.version:
        raise StaleForm()
    if profile is None:  # an account made before profiles existed: start one from its full name
        parts = account.full_name.split()
        profile = PersonProfile(user_id=person_id, last_name=parts[0] if parts else "", first_name=" ".join(parts[1:2]),
                                middle_name=" ".join(parts[2:]), phone="", email="", search_key=search_key(account.full_name))
        session.add(profile)
    wanted: dict[str, Any] = {"phone": clean_phone(changes.phone), "email": clean_email(changes.email)}
    if changes.names_on_form:
        wanted["last_name"] = _name_part(changes.last_name or "", "last_name")
        wanted["first_name"] = _name_part(changes.first_name or "", "first_name")
        wanted["middle_name"] = _name_part(changes.middle_name or "", "middle_name", required=False)
        if changes.birth_date is not None and not date(1900, 1, 1) <= changes.birth_date <= today:
            raise StructureError("birth_date", _("Check the birth date."))
        if changes.birth_date is None and profile.birth_date is not None and await session.scalar(
                select(Enrollment.id).where(Enrollment.student_id == person_id).limit(1)):
            # the birth date tells namesakes apart in every list import: a student keeps one
            raise StructureError("birth_date", _("Enter the birth date: it tells namesakes apart."))
        wanted["birth_date"] = changes.birth_date
    changed = {name: [getattr(profile, name), value] for name, value in wanted.items() if getattr(profile, name) != value}
    for name, (_old, value) in changed.items():
        setattr(profile, name, value)
    if changes.names_on_form:
        name = full_name(profile.last_name, profile.first_name, profile.middle_name)
        profile.search_key = search_key(name)
        if account.full_name != name:
            account.full_name = name
    await session.flush()
    return changed
