"""Writing a checked list (``apply_list``): the plan was made in the same transaction, under the
school's lock, so every row is known to fit; the writer inserts each table in one statement, so a
whole school's list of 700 students with their parents is written in a handful of statements.
"""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.log import record
from core.auth.models import RoleGrant, UserAccount
from core.i18n import gettext as _
from core.people.importing import split_full_name
from core.people.models import Enrollment, Guardianship, PersonProfile, StaffPosition
from core.people.services import login_stem, search_key
from core.people.staff import clean_title
from core.structure.common import StructureError

from core.people.lists import (
    ContactsStep, EnrollStep, LinkStep, ListDefaults, ListPlan, NewPersonStep, PersonRef, PositionStep,
)


# ---- applying a plan -------------------------------------------------------------------------------


async def apply_list(session: AsyncSession, school_id: int, plan: ListPlan, defaults: ListDefaults, *,
                     actor_id: int | None) -> dict[str, int]:
    """Write what the plan says (it was made in this transaction, under the school's lock); refuse a
    plan with problems before writing anything. Returns the number of rows of each outcome.

    The plan has checked every row against the data of this transaction as ``PeopleService`` would
    (dates within the year, orders, no student in two classes, no link twice), so the rows are
    written in bulk: a fixed number of statements whatever the list's length. A school confirms its
    whole list on 1 September in one request that holds the school's lock."""
    if not plan.ok:
        raise StructureError("file", _("The list has errors: correct the file and upload it again."))
    writer = _Writer(session, school_id, defaults, actor_id)
    await writer.write([step for row in plan.rows for step in row.steps])
    for person_id, changes in writer.updated.items():
        record(session, "core.person_updated", actor_id=actor_id, school_id=school_id, object_type="person",
               object_id=person_id, details={name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()})
    counts = plan.counts()
    record(session, "core.list_imported", actor_id=actor_id, school_id=school_id, object_type="import", object_id=plan.kind,
           details={"kind": plan.kind, "filename": plan.filename, "counts": counts})
    return counts


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _people_of(step: Any) -> tuple[PersonRef, ...]:
    if isinstance(step, EnrollStep):
        return (step.student,)
    if isinstance(step, LinkStep):
        return step.student, step.guardian
    return (step.person,) if isinstance(step, PositionStep) else ()


class _Writer:
    """The plan's steps as rows, one INSERT per table (an executemany of the table, not of the ORM
    model: that would split the rows wherever a value is None): people first, since the rest needs
    their ids. Rows keep the order of the steps."""

    def __init__(self, session: AsyncSession, school_id: int, defaults: ListDefaults, actor_id: int | None) -> None:
        self.session, self.school_id, self.defaults, self.actor_id = session, school_id, defaults, actor_id
        self.updated: dict[int, dict[str, tuple[Any, Any]]] = {}
        self.granted: set[tuple[int, str]] = set()  # (person, role) held in the school or given now
        self.rows: dict[type, list[dict[str, Any]]] = {Enrollment: [], Guardianship: [], StaffPosition: [], RoleGrant: []}

    async def write(self, steps: list[Any]) -> None:
        new_people = {id(ref): ref for step in steps for ref in _people_of(step) if isinstance(ref, NewPersonStep)}
        await self._create(list(new_people.values()))
        await self._load_roles({ref for step in steps for ref in _people_of(step) if isinstance(ref, int)})
        profiles = await self._profiles({step.person_id for step in steps if isinstance(step, ContactsStep)})
        for step in steps:
            if isinstance(step, EnrollStep):
                self._enroll(step)
            elif isinstance(step, LinkStep):
                self._link(step)
            elif isinstance(step, ContactsStep):
                self._contacts(step, profiles[step.person_id])
            elif isinstance(step, PositionStep):
                self._position(step)
        for model, rows in self.rows.items():
            if rows:
                await self.session.execute(insert(model.__table__), rows)
        await self.session.flush()  # the contacts

    async def _create(self, people: list[NewPersonStep]) -> None:
        """Accounts that cannot sign in yet, with their profiles, as ``PeopleService.add_person`` makes
        them; namesakes' logins are numbered in the order the file names them."""
        if not people:
            return
        stems = [login_stem(person.last_name, person.first_name, person.middle_name) for person in people]
        taken = await _taken_logins(self.session, stems)
        logins: list[str] = []
        for stem in stems:
            logins.append(stem if stem not in taken else next(f"{stem}{n}" for n in count(2) if f"{stem}{n}" not in taken))
            taken.add(logins[-1])
        await self.session.execute(insert(UserAccount.__table__), [
            {"login": login, "full_name": person.name, "password_hash": None} for person, login in zip(people, logins)])
        ids = dict((await self.session.execute(select(UserAccount.login, UserAccount.id).where(
            UserAccount.login.in_(logins)))).all())
        for person, login in zip(people, logins):
            person.id = ids[login]
        await self.session.execute(insert(PersonProfile.__table__), [{
            "user_id": person.id, "last_name": person.last_name, "first_name": person.first_name,
            "middle_name": person.middle_name, "birth_date": person.birth_date, "phone": person.phone.strip(),
            "email": person.email.strip(), "search_key": search_key(person.last_name, person.first_name, person.middle_name),
        } for person in people])

    async def _load_roles(self, stored: set[int]) -> None:
        """The student and parent roles the list's stored people hold here: a role is given once."""
        if stored:
            self.granted = set((await self.session.execute(select(RoleGrant.user_id, RoleGrant.role).where(
                RoleGrant.school_id == self.school_id, RoleGrant.role.in_(("student", "parent")),
                RoleGrant.user_id.in_(stored)))).all())

    def _grant(self, person_id: int, role: str) -> None:
        if (person_id, role) not in self.granted:
            self.granted.add((person_id, role))
            self.rows[RoleGrant].append({"user_id": person_id, "school_id": self.school_id, "role": role, "granted_by": None})

    async def _profiles(self, person_ids: set[int]) -> dict[int, PersonProfile]:
        """Profiles whose contacts change; an account without one (made on the accounts page) gets one,
        named as the account is."""
        if not person_ids:
            return {}
        found = {profile.user_id: profile for profile in (await self.session.execute(
            select(PersonProfile).where(PersonProfile.user_id.in_(person_ids)))).scalars()}
        missing = person_ids - found.keys()
        if missing:
            for account in (await self.session.execute(select(UserAccount).where(UserAccount.id.in_(missing)))).scalars():
                last, first, middle = split_full_name(account.full_name) or (account.full_name, "", None)
                found[account.id] = PersonProfile(user_id=account.id, last_name=last, first_name=first, middle_name=middle or "",
                                                  phone="", email="", search_key=search_key(account.full_name))
                self.session.add(found[account.id])
        return found

    def _enroll(self, step: EnrollStep) -> None:
        student_id = _id_of(step.student)
        self.rows[Enrollment].append({
            "school_id": self.school_id, "student_id": student_id, "class_group_id": step.class_group_id,
            "starts_on": step.starts_on, "start_kind": self.defaults.start_kind, "start_order_number": step.order_number,
            "start_order_date": step.order_date})
        self._grant(student_id, "student")

    def _link(self, step: LinkStep) -> None:
        student_id, guardian_id = _id_of(step.student), _id_of(step.guardian)
        if (student_id, "student") not in self.granted:  # as PeopleService.add_guardian: a student of this school
            raise StructureError("student_id", _("Choose a student of this school."))
        self.rows[Guardianship].append({"student_id": student_id, "guardian_id": guardian_id, "kind": step.kind,
                                        "document": ""})
        self._grant(guardian_id, "parent")

    def _contacts(self, step: ContactsStep, profile: PersonProfile) -> None:
        changed = self.updated.setdefault(step.person_id, {})
        for name, (old, new) in step.values.items():
            setattr(profile, name, new)
            changed[name] = (changed[name][0] if name in changed else old, new)  # the first old, the last new

    def _position(self, step: PositionStep) -> None:
        person_id = _id_of(step.person)
        self.rows[StaffPosition].append({"school_id": self.school_id, "user_id": person_id,
                                         "title": clean_title(step.title), "starts_on": step.starts_on})
        if step.teacher:
            self.rows[RoleGrant].append({"user_id": person_id, "school_id": self.school_id, "role": "teacher",
                                         "granted_by": self.actor_id})
            record(self.session, "core.role_granted", actor_id=self.actor_id, school_id=self.school_id,
                   object_type="user", object_id=person_id, details={"role": "teacher", "via": "staff_list"})


def _id_of(ref: PersonRef) -> int:
    if isinstance(ref, int):
        return ref
    assert ref.id is not None, "created by _Writer._create"
    return ref.id


LOGIN_DIGITS = "0123456789"


async def _taken_logins(session: AsyncSession, stems: list[str]) -> set[str]:
    """Every login that is one of the stems or a stem and a number (``PeopleService.add_person``'s
    rule), in one statement for the whole list: a login is compared with its trailing digits cut off."""
    bases = {stem.rstrip(LOGIN_DIGITS) for stem in stems}
    return set((await session.execute(select(UserAccount.login).where(
        func.rtrim(UserAccount.login, LOGIN_DIGITS).in_(bases)))).scalars())
