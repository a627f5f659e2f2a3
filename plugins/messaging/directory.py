"""Who may write to whom (regulation 2.7, 2.8, 3.4, 3.8): the recipients a person is offered,
grouped as they think of them, from the school's dated data as of today.

- Parents and students: the class teacher and the teachers of their own children's (their own)
  subject pages, and the administration.
- Teachers: the students and parents of the pages they teach; class teachers those of their class;
  the director and the deputy those of every class.
- Staff: the rest of the staff.
- Plugins add groups through ``recipient_groups`` (the journal: parents of students failing my
  subject, parents of students absent without a reason this week).

A school can tighten it (``MessagingSettings``): students may not write at all, families may write
to the class teacher and the administration only, teachers may not write to students. A thread's
two people may always answer each other. The same directory checks what a form sends, so a forged
recipient is refused.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from sqlalchemy import String, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import STAFF
from core.access.scope import own_children
from core.auth.models import RoleGrant, UserAccount
from core.auth.services import CurrentUser
from core.i18n import gettext as _
from core.people.models import Enrollment, Guardianship
from core.plugins.calling import call_each
from core.plugins.types import RecipientGroup
from core.structure.common import active_on, short_name
from core.structure.models import (
    AcademicYear, ClassGroup, ClassTeacherAppointment, StudyGroup, StudyGroupMember, Subject, SubjectPage, TeachingAssignment,
)
from plugins.messaging.models import MessagingSettings

ADMINISTRATION = ("director", "deputy", "journal_admin")
WHOLE_SCHOOL = frozenset({"director", "deputy"})  # write to the families of every class
TEACHING = frozenset({"teacher", "class_teacher"})
FAMILY = frozenset({"student", "parent"})


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    note: str = ""  # «классный руководитель», «математика», or the children of a parent
    about: tuple[str, ...] = ()  # the students a message concerns, for this recipient


@dataclass(frozen=True)
class Section:
    id: str  # stable: "class-parents-12", "page-students-7", "staff", a plugin group's id
    label: str
    contacts: tuple[Contact, ...]
    whole: bool = False  # may be chosen as a whole: one message to each of them


@dataclass
class Directory:
    sections: list[Section] = field(default_factory=list)

    def contacts(self) -> dict[int, Contact]:
        """Everyone the person may write to, each with what all their sections say they concern."""
        found: dict[int, Contact] = {}
        for section in self.sections:
            for contact in section.contacts:
                known = found.get(contact.id)
                found[contact.id] = contact if known is None else Contact(
                    contact.id, contact.name, known.note or contact.note, _merged(known.about, contact.about))
        return found

    def section(self, section_id: str) -> Section | None:
        return next((section for section in self.sections if section.id == section_id and section.whole), None)


def _merged(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


@dataclass(frozen=True)
class Rules:
    students_write: bool = True
    families_to_subject_teachers: bool = True
    teachers_to_students: bool = True
    retention_years: int = 5


async def load_rules(session: AsyncSession, school_id: int) -> Rules:
    row = await session.scalar(select(MessagingSettings).where(MessagingSettings.school_id == school_id))
    if row is None:
        return Rules()
    return Rules(row.students_write, row.families_to_subject_teachers, row.teachers_to_students, row.retention_years)


async def build_directory(platform: Any, session: AsyncSession, user: CurrentUser, today: date, rules: Rules) -> Directory:
    """Everyone ``user`` may write to today, in sections: a fixed number of statements."""
    school_id = user.school_id or 0
    directory = Directory()
    if user.roles & FAMILY and not (user.roles == {"student"} and not rules.students_write):
        directory.sections += await _family_sections(session, user, school_id, today, rules)
    if user.roles & (TEACHING | WHOLE_SCHOOL):
        directory.sections += await class_sections(session, user, school_id, today, rules)
    if user.roles & STAFF:
        directory.sections.append(await _staff_section(session, user, school_id))
    # A plugin's group reaches only people the school's own data already lets the writer reach.
    reachable = {contact.id for section in directory.sections for contact in section.contacts}
    if reachable:
        directory.sections += await _plugin_sections(platform, session, user, school_id, reachable)
    directory.sections = [Section(section.id, section.label, tuple(contact for contact in section.contacts if contact.id != user.id),
                                  section.whole)
                          for section in directory.sections if section.contacts or section.whole]
    return directory


# ---- families: their children's teachers and the administration -------------------------------


async def _family_sections(session: AsyncSession, user: CurrentUser, school_id: int, today: date,
                           rules: Rules) -> list[Section]:
    children: list[int] = []
    if "student" in user.roles and rules.students_write:
        children.append(user.id)
    if "parent" in user.roles:
        children += [child for child in await own_children(session, user.id, school_id, today) if child != user.id]
    if not children:
        return []
    classes = (await session.execute(
        select(Enrollment.student_id, UserAccount.full_name, Enrollment.class_group_id,
               cast(ClassGroup.grade_level, String).concat(ClassGroup.letter))
        .join(UserAccount, UserAccount.id == Enrollment.student_id)
        .join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
        .where(Enrollment.student_id.in_(children), Enrollment.school_id == school_id,
               active_on(Enrollment.starts_on, Enrollment.ends_on, today)))).all()
    class_ids = {row[2] for row in classes}
    groups: dict[int, set[int]] = defaultdict(set)
    for student_id, group_id in (await session.execute(select(StudyGroupMember.student_id, StudyGroupMember.study_group_id).where(
            StudyGroupMember.student_id.in_(children), active_on(StudyGroupMember.starts_on, StudyGroupMember.ends_on, today)))).all():
        groups[student_id].add(group_id)
    class_teachers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for class_id, teacher_id, name in (await session.execute(
            select(ClassTeacherAppointment.class_group_id, UserAccount.id, UserAccount.full_name)
            .join(UserAccount, UserAccount.id == ClassTeacherAppointment.teacher_id)
            .where(ClassTeacherAppointment.class_group_id.in_(class_ids or {0}), UserAccount.is_blocked.is_(False),
                   active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, today)))).all():
        class_teachers[class_id].append((teacher_id, name))
    teachers: list[Any] = []
    all_groups = {group for found in groups.values() for group in found}
    if rules.families_to_subject_teachers:
        teachers = (await session.execute(
            select(SubjectPage.class_group_id, SubjectPage.study_group_id, Subject.name, UserAccount.id, UserAccount.full_name)
            .join(Subject, Subject.id == SubjectPage.subject_id)
            .join(TeachingAssignment, TeachingAssignment.subject_page_id == SubjectPage.id)
            .join(UserAccount, UserAccount.id == TeachingAssignment.teacher_id)
            .where(SubjectPage.school_id == school_id, UserAccount.is_blocked.is_(False),
                   or_(SubjectPage.class_group_id.in_(class_ids or {0}), SubjectPage.study_group_id.in_(all_groups or {0})),
                   active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, today))
            .order_by(UserAccount.full_name, Subject.name))).all()
    sections = []
    for student_id, student_name, class_id, class_name in sorted(classes, key=lambda row: row[1]):
        notes: dict[int, list[str]] = defaultdict(list)
        names: dict[int, str] = {}
        for teacher_id, name in class_teachers.get(class_id, []):
            names[teacher_id] = name
            notes[teacher_id].append(_("class teacher"))
        for page_class, page_group, subject, teacher_id, name in teachers:
            if page_class == class_id or page_group in groups.get(student_id, ()):
                names[teacher_id] = name
                if subject not in notes[teacher_id]:
                    notes[teacher_id].append(subject)
        about = (f"{student_name} ({class_name})",)
        label = _("My teachers") if student_id == user.id else _("Teachers of %(name)s, %(class)s",
                                                                  name=short_name(student_name), **{"class": class_name})
        sections.append(Section(f"teachers-of-{student_id}", label, tuple(
            Contact(teacher_id, names[teacher_id], ", ".join(notes[teacher_id]), about if student_id != user.id else ())
            for teacher_id in sorted(names, key=lambda person: (not notes[person][:1] == [_("class teacher")], names[person])))))
    administration = await _administration(session, school_id, exclude=user.id)
    if administration:
        sections.append(Section("administration", _("Administration"), administration))
    return sections


async def _administration(session: AsyncSession, school_id: int, exclude: int) -> tuple[Contact, ...]:
    titles = {"director": _("director"), "deputy": _("deputy director"), "journal_admin": _("journal administrator")}
    found: dict[int, Contact] = {}
    for user_id, name, role in (await session.execute(
            select(UserAccount.id, UserAccount.full_name, RoleGrant.role)
            .join(RoleGrant, RoleGrant.user_id == UserAccount.id)
            .where(RoleGrant.school_id == school_id, RoleGrant.role.in_(ADMINISTRATION), UserAccount.id != exclude,
                   UserAccount.is_blocked.is_(False))
            .order_by(UserAccount.full_name))).all():
        known = found.get(user_id)
        found[user_id] = Contact(user_id, name, f"{known.note}, {titles[role]}" if known else titles[role])
    return tuple(found.values())


# ---- teachers and the administration: students and parents of classes and pages ---------------


@dataclass
class _Scope:
    """Whose students and parents: classes (id → name) and pages (id → label, class or group)."""

    classes: dict[int, str] = field(default_factory=dict)
    pages: dict[int, tuple[str, int | None, int | None]] = field(default_factory=dict)


async def class_sections(session: AsyncSession, user: CurrentUser, school_id: int, today: date,
                          rules: Rules) -> list[Section]:
    scope = await _teaching_scope(session, user, school_id, today)
    class_ids = set(scope.classes) | {class_id for _label, class_id, _group in scope.pages.values() if class_id}
    group_ids = {group_id for _label, _class, group_id in scope.pages.values() if group_id}
    in_class: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for class_id, student_id, name in (await session.execute(
            select(Enrollment.class_group_id, UserAccount.id, UserAccount.full_name)
            .join(UserAccount, UserAccount.id == Enrollment.student_id)
            .where(Enrollment.school_id == school_id, Enrollment.class_group_id.in_(class_ids or {0}),
                   active_on(Enrollment.starts_on, Enrollment.ends_on, today))
            .order_by(UserAccount.full_name))).all():
        in_class[class_id].append((student_id, name))
    in_group: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for group_id, student_id, name in (await session.execute(
            select(StudyGroupMember.study_group_id, UserAccount.id, UserAccount.full_name)
            .join(UserAccount, UserAccount.id == StudyGroupMember.student_id)
            .where(StudyGroupMember.study_group_id.in_(group_ids or {0}),
                   active_on(StudyGroupMember.starts_on, StudyGroupMember.ends_on, today))
            .order_by(UserAccount.full_name))).all():
        in_group[group_id].append((student_id, name))
    students = {student for rows in (*in_class.values(), *in_group.values()) for student, _name in rows}
    parents = await _parents_of(session, students, today)
    blocked = set((await session.scalars(select(UserAccount.id).where(
        UserAccount.id.in_(students or {0}), UserAccount.is_blocked.is_(True)))).all())
    sections: list[Section] = []

    def add(section_id: str, label: str, members: list[tuple[int, str]]) -> None:
        sections.append(Section(f"{section_id}-parents", _("Parents: %(what)s", what=label), _parent_contacts(members, parents), True))
        if rules.teachers_to_students:
            sections.append(Section(f"{section_id}-students", _("Students: %(what)s", what=label),
                                    tuple(Contact(student, name) for student, name in members if student not in blocked), True))

    for class_id, name in scope.classes.items():
        add(f"class-{class_id}", name, in_class.get(class_id, []))
    for page_id, (label, class_id, group_id) in scope.pages.items():
        add(f"page-{page_id}", label, in_class.get(class_id, []) if class_id else in_group.get(group_id or 0, []))
    return sections


async def _teaching_scope(session: AsyncSession, user: CurrentUser, school_id: int, today: date) -> _Scope:
    scope = _Scope()
    class_name = cast(ClassGroup.grade_level, String).concat(ClassGroup.letter)
    if user.roles & WHOLE_SCHOOL:
        classes = select(ClassGroup.id, class_name).join(AcademicYear, AcademicYear.id == ClassGroup.academic_year_id).where(
            AcademicYear.school_id == school_id, AcademicYear.starts_on <= today, AcademicYear.ends_on >= today)
    elif "class_teacher" in user.roles:
        classes = select(ClassGroup.id, class_name).join(
            ClassTeacherAppointment, ClassTeacherAppointment.class_group_id == ClassGroup.id).where(
            ClassTeacherAppointment.teacher_id == user.id, ClassTeacherAppointment.school_id == school_id,
            active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, today))
    else:
        classes = None
    if classes is not None:
        scope.classes = dict((await session.execute(classes.order_by(ClassGroup.grade_level, ClassGroup.letter))).all())
    if user.roles & TEACHING:
        for page_id, subject, class_id, group_id, holder, group_name in (await session.execute(
                select(SubjectPage.id, Subject.name, SubjectPage.class_group_id, SubjectPage.study_group_id, class_name,
                       StudyGroup.name)
                .join(Subject, Subject.id == SubjectPage.subject_id)
                .join(TeachingAssignment, TeachingAssignment.subject_page_id == SubjectPage.id)
                .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
                .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
                .where(TeachingAssignment.teacher_id == user.id, SubjectPage.school_id == school_id,
                       active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, today))
                .order_by(ClassGroup.grade_level, ClassGroup.letter, Subject.name, StudyGroup.name))).all():
            label = f"{holder}, {subject.lower()}" if class_id else f"{group_name}"
            scope.pages[page_id] = (label, class_id, group_id)
    return scope


async def _parents_of(session: AsyncSession, students: set[int], today: date) -> dict[int, list[tuple[int, str]]]:
    """Student → their legal representatives today (account, name)."""
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if not students:
        return found
    for student_id, parent_id, name in (await session.execute(
            select(Guardianship.student_id, UserAccount.id, UserAccount.full_name)
            .join(UserAccount, UserAccount.id == Guardianship.guardian_id)
            .where(Guardianship.student_id.in_(students), UserAccount.is_blocked.is_(False),
                   or_(Guardianship.starts_on.is_(None), Guardianship.starts_on <= today),
                   or_(Guardianship.ends_on.is_(None), Guardianship.ends_on >= today))
            .order_by(UserAccount.full_name))).all():
        found[student_id].append((parent_id, name))
    return found


def _parent_contacts(members: list[tuple[int, str]], parents: dict[int, list[tuple[int, str]]]) -> tuple[Contact, ...]:
    """The members' parents, each told about their own children among the members only."""
    names: dict[int, str] = {}
    children: dict[int, list[str]] = defaultdict(list)
    for student_id, student_name in members:
        for parent_id, parent_name in parents.get(student_id, []):
            names[parent_id] = parent_name
            children[parent_id].append(student_name)
    return tuple(Contact(parent, names[parent], ", ".join(children[parent]), tuple(children[parent]))
                 for parent in sorted(names, key=lambda person: (names[person], person)))


# ---- staff and plugins' groups ----------------------------------------------------------------


async def _staff_section(session: AsyncSession, user: CurrentUser, school_id: int) -> Section:
    found: dict[int, str] = {}
    for user_id, name in (await session.execute(
            select(UserAccount.id, UserAccount.full_name).join(RoleGrant, RoleGrant.user_id == UserAccount.id)
            .where(RoleGrant.school_id == school_id, RoleGrant.role.in_(STAFF), UserAccount.id != user.id,
                   UserAccount.is_blocked.is_(False))
            .order_by(UserAccount.full_name, UserAccount.id))).all():
        found[user_id] = name
    return Section("staff", _("Staff"), tuple(Contact(user_id, name) for user_id, name in found.items()),
                   whole=bool(user.roles & WHOLE_SCHOOL))


async def _plugin_sections(platform: Any, session: AsyncSession, user: CurrentUser, school_id: int,
                           reachable: set[int]) -> list[Section]:
    answers = await call_each(platform.hooks_for(user.disabled_modules).recipient_groups, platform=platform, user=user)
    groups = [group for _plugin, answer in answers for group in answer or () if isinstance(group, RecipientGroup)]
    people = {person for group in groups for person in group.user_ids}
    people |= {student for group in groups for students in group.about.values() for student in students}
    if not people:
        return [Section(group.id, group.label, (), True) for group in groups]
    # Only accounts of the school: a plugin's group never reaches outside it.
    names = dict((await session.execute(select(UserAccount.id, UserAccount.full_name).where(
        UserAccount.id.in_(people), UserAccount.id.in_(select(RoleGrant.user_id).where(RoleGrant.school_id == school_id)))))
        .all())
    sections = []
    for group in groups:
        contacts = []
        for person in group.user_ids:
            if person in names and person in reachable:
                about = tuple(names[student] for student in group.about.get(person, ()) if student in names)
                contacts.append(Contact(person, names[person], ", ".join(about), about))
        sections.append(Section(group.id, group.label, tuple(sorted(contacts, key=lambda contact: contact.name)), True))
    return sections
