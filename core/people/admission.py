"""Admitting one student by hand (the secretary's form) and linking a representative, with the
school's rule that a minor needs a representative on record (``School.representative_required``).

Flushes, never commits; a refusal is a ``StructureError`` raised before the transaction commits,
so a half-admitted student never remains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.i18n import gettext as _
from core.people.cards import clean_email, clean_phone
from core.people.importing import split_full_name
from core.people.models import GUARDIAN_KINDS, Guardianship, PersonProfile
from core.people.services import PeopleService
from core.school.models import School
from core.structure.common import StructureError
from core.structure.models import ClassGroup

ADULT_AGE = 18


@dataclass
class NewPerson:
    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: date | None = None
    phone: str = ""
    email: str = ""


@dataclass
class NewRepresentative:
    """Either an existing person (``person_id``) or a new one by full name."""

    kind: str
    full_name: str = ""
    phone: str = ""
    document: str = ""
    person_id: int | None = None

    @property
    def given(self) -> bool:
        return bool(self.person_id or self.full_name.strip())


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


async def representative_required(session: AsyncSession, school_id: int) -> bool:
    return bool(await session.scalar(select(School.representative_required).where(School.id == school_id)))


async def admit_student(session: AsyncSession, school_id: int, student: NewPerson, class_group: ClassGroup, *,
                        starts_on: date | None, kind: str, order_number: str, order_date: date | None,
                        representative: NewRepresentative) -> int:
    """A new student enrolled from ``starts_on`` on the order, with a representative when given."""
    if student.birth_date is None:
        raise StructureError("birth_date", _("Enter the birth date: it tells namesakes apart."))
    if kind not in ("admitted", "continued"):
        raise StructureError("kind", _("Choose how the student came to the class."))
    if (not representative.given and starts_on is not None and age_on(student.birth_date, starts_on) < ADULT_AGE
            and await representative_required(session, school_id)):
        raise StructureError("rep_full_name", _("A minor student needs a legal representative: enter a parent or guardian."))
    people = PeopleService(session, school_id)
    account = await people.add_person(last_name=student.last_name, first_name=student.first_name,
                                      middle_name=student.middle_name, birth_date=student.birth_date,
                                      phone=clean_phone(student.phone), email=clean_email(student.email))
    await people.enroll(account.id, class_group, starts_on=starts_on, order_number=order_number, order_date=order_date,
                        kind=kind)
    if representative.given:
        await link_representative(session, school_id, account.id, representative)
    return account.id


async def link_representative(session: AsyncSession, school_id: int, student_id: int, representative: NewRepresentative) -> Guardianship:
    """Link an existing person, or a new one made from the full name, as the student's representative."""
    if representative.kind not in GUARDIAN_KINDS:
        raise StructureError("rep_kind", _("Choose who the person is to the student."))
    people = PeopleService(session, school_id)
    guardian_id = representative.person_id
    if guardian_id is None:
        parts = split_full_name(" ".join(representative.full_name.split()))
        if parts is None:
            raise StructureError("rep_full_name", _("Enter the representative's last name, first name and middle name."))
        last, first, middle = parts
        guardian = await people.add_person(last_name=last, first_name=first, middle_name=middle or "",
                                           phone=clean_phone(representative.phone))
        guardian_id = guardian.id
    elif await session.get(UserAccount, guardian_id) is None:
        raise StructureError("rep_person_id", _("Choose a person."))
    try:
        return await people.add_guardian(student_id, guardian_id, kind=representative.kind, document=representative.document)
    except StructureError as error:  # the form's fields are named rep_*
        raise StructureError(f"rep_{error.field}" if error.field in ("kind", "document") else "rep_full_name",
                             error.message) from None


async def last_representative_of_minor(session: AsyncSession, link: Guardianship, ends_on: date) -> bool:
    """Whether ending the link leaves a minor student without any representative after ``ends_on``."""
    born = await session.scalar(select(PersonProfile.birth_date).where(PersonProfile.user_id == link.student_id))
    if born is None or age_on(born, ends_on) >= ADULT_AGE:
        return False
    others = await session.scalar(select(func.count()).select_from(Guardianship).where(
        Guardianship.student_id == link.student_id, Guardianship.id != link.id,
        or_(Guardianship.ends_on.is_(None), Guardianship.ends_on > ends_on)))
    return not others


async def end_representation(session: AsyncSession, school_id: int, link: Guardianship, ends_on: date | None,
                             today: date) -> None:
    """The link ends (parental rights ended, a guardianship ended); the record stays for the history."""
    if ends_on is None:
        raise StructureError("ends_on", _("Enter the last day."))
    if link.starts_on is not None and ends_on < link.starts_on:
        raise StructureError("ends_on", _("The end comes before the start."))
    if ends_on > today + timedelta(days=366):
        raise StructureError("ends_on", _("Check the date."))
    if await representative_required(session, school_id) and await last_representative_of_minor(session, link, ends_on):
        raise StructureError("ends_on", _("The school requires a legal representative for a minor: link another one first."))
    link.ends_on = ends_on
    await session.flush()
