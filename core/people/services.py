"""People and their history: persons, enrollments (admitted, transferred, left) with their orders,
legal representatives, class lists and occupancy on a date, and the movement of students.

Services flush, never commit; a refusal is a ``StructureError(field, message)`` raised before
anything is written, so the caller's transaction rolls back whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RoleGrant, UserAccount
from core.i18n import folded
from core.i18n import gettext as _
from core.people.models import ENROLLMENT_ENDS, GUARDIAN_KINDS, Enrollment, Guardianship, PersonProfile
from core.structure.common import StructureError, active_on, check_within_year, format_day, lock_school, overlapping
from core.structure.models import AcademicYear, ClassGroup

# Russian letters in logins: the passport transliteration (ГОСТ Р 52535.1-2006), lower-case.
TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", (
    "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
    "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia")))
NEEDS_DOCUMENT = frozenset({"guardian", "trustee", "foster_parent"})  # a decision of the guardianship body


def search_key(*parts: str) -> str:
    return folded(" ".join(" ".join(parts).split()))


def full_name(last_name: str, first_name: str, middle_name: str = "") -> str:
    return " ".join(part for part in (last_name, first_name, middle_name) if part)


def login_stem(last_name: str, first_name: str, middle_name: str = "") -> str:
    """«Иванова Мария Петровна» → ``ivanova.mp``."""
    letters = "".join(TRANSLIT.get(char, char if char.isascii() and char.isalnum() else "") for char in last_name.casefold())
    initials = "".join(TRANSLIT.get(part[:1].casefold(), "")[:1] for part in (first_name, middle_name) if part)
    return f"{letters or 'person'}.{initials}"[:56]


def _name_part(value: str, field: str, required: bool = True) -> str:
    cleaned = " ".join(value.split())
    if required and not cleaned:
        raise StructureError(field, _("Enter the name."))
    if len(cleaned) > 100 or any(char in cleaned for char in "<>{}[]@#$%^*=|\\/"):
        raise StructureError(field, _("Enter a name of letters, spaces and hyphens (at most 100 characters)."))
    return cleaned


@dataclass
class Movement:
    """One arrival, transfer or departure, as the movement report lists it."""

    day: date
    kind: str  # admitted, transferred, left, graduated
    student_id: int
    student: str
    from_class: str
    to_class: str
    order_number: str
    order_date: date | None
    note: str = ""


ARRIVALS = ("admitted", "transferred")  # "continued" (last year's students on the new year's list) is none
DEPARTURES = ("left", "graduated")


@dataclass
class ClassMovement:
    """One class's movement over a date range (регламент 4.2, движение обучающихся):
    ``at_start + arrived + transferred_in - transferred_out - left == at_end``."""

    class_group_id: int
    class_name: str
    grade_level: int
    year_name: str
    year_starts: date
    at_start: int = 0
    arrived: int = 0
    transferred_in: int = 0
    transferred_out: int = 0
    left: int = 0  # left the school or graduated
    at_end: int = 0


class PeopleService:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self.session, self.school_id = session, school_id

    # ---- persons ------------------------------------------------------------------------------

    async def add_person(self, *, last_name: str, first_name: str, middle_name: str = "", birth_date: date | None = None,
                         phone: str = "", email: str = "") -> UserAccount:
        """A new person with an account that cannot sign in yet (credentials are issued later)."""
        last, first = _name_part(last_name, "last_name"), _name_part(first_name, "first_name")
        middle = _name_part(middle_name, "middle_name", required=False)
        if birth_date is not None and not date(1900, 1, 1) <= birth_date <= date.today():
            raise StructureError("birth_date", _("Check the birth date."))
        if len(phone) > 40 or len(email) > 200:
            raise StructureError("phone", _("The contact is too long."))
        stem = login_stem(last, first, middle)
        taken = set((await self.session.execute(select(UserAccount.login).where(
            or_(UserAccount.login == stem, UserAccount.login.like(f"{stem}%"))))).scalars())
        login = stem if stem not in taken else next(f"{stem}{n}" for n in range(2, 10_000) if f"{stem}{n}" not in taken)
        account = UserAccount(login=login, full_name=full_name(last, first, middle), password_hash=None)
        self.session.add(account)
        await self.session.flush()
        self.session.add(PersonProfile(user_id=account.id, last_name=last, first_name=first, middle_name=middle,
                                       birth_date=birth_date, phone=phone.strip(), email=email.strip(),
                                       search_key=search_key(last, first, middle)))
        await self.session.flush()
        return account

    async def _grant(self, user_id: int, role: str) -> None:
        """Give a role that only adds reach (student, parent); nothing to revoke, no session to end."""
        if not await self.session.scalar(select(RoleGrant.id).where(
                RoleGrant.user_id == user_id, RoleGrant.school_id == self.school_id, RoleGrant.role == role)):
            self.session.add(RoleGrant(user_id=user_id, school_id=self.school_id, role=role))
            await self.session.flush()

    # ---- enrollments --------------------------------------------------------------------------

    async def enroll(self, student_id: int, class_group: ClassGroup, *, starts_on: date | None, order_number: str,
                     order_date: date | None, kind: str = "admitted") -> Enrollment:
        """Admit a student to a class from a date, on an order; never two classes at once."""
        if class_group.school_id != self.school_id:
            raise StructureError("class_group_id", _("Choose a class of this school."))
        if starts_on is None:
            raise StructureError("starts_on", _("Enter the start date."))
        year = await self.session.get(AcademicYear, class_group.academic_year_id)
        assert year is not None
        check_within_year(year, starts_on, None)
        order_number = " ".join(order_number.split())
        if not order_number or order_date is None or len(order_number) > 40:
            raise StructureError("order_number", _("Enter the number and date of the order."))
        if order_date > starts_on + timedelta(days=31):
            raise StructureError("order_date", _("The order is dated long after the admission: check the dates."))
        await lock_school(self.session, self.school_id)
        clash = (await self.session.execute(select(Enrollment.starts_on, ClassGroup.grade_level, ClassGroup.letter)
                                            .join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
                                            .where(Enrollment.student_id == student_id,
                                                   overlapping(Enrollment.starts_on, Enrollment.ends_on, starts_on, None))
                                            .limit(1))).first()
        if clash is not None:
            class_name = f"{clash.grade_level}{clash.letter}"
            raise StructureError("starts_on", _("The student is already enrolled in %(class_name)s from %(day)s.",
                                                class_name=class_name, day=format_day(clash.starts_on)))
        enrollment = Enrollment(school_id=self.school_id, student_id=student_id, class_group_id=class_group.id,
                                starts_on=starts_on, start_kind=kind, start_order_number=order_number,
                                start_order_date=order_date)
        self.session.add(enrollment)
        await self.session.flush()
        await self._grant(student_id, "student")
        return enrollment

    async def current(self, student_id: int, day: date) -> Enrollment | None:
        return (await self.session.execute(select(Enrollment).where(
            Enrollment.student_id == student_id, Enrollment.school_id == self.school_id,
            active_on(Enrollment.starts_on, Enrollment.ends_on, day)))).scalar_one_or_none()

    async def transfer(self, student_id: int, to_class: ClassGroup, *, on_day: date | None, order_number: str,
                       order_date: date | None) -> Enrollment:
        """Move a student to another class of the school from ``on_day``: the old enrollment ends the
        day before, the new one starts on it, both on the same order."""
        if on_day is None:
            raise StructureError("starts_on", _("Enter the date of the transfer."))
        old = await self.current(student_id, on_day)
        if old is None:
            raise StructureError("starts_on", _("The student is not enrolled in this school on %(day)s.", day=format_day(on_day)))
        if on_day <= old.starts_on:
            raise StructureError("starts_on", _("A transfer comes after the admission (%(day)s).", day=format_day(old.starts_on)))
        if old.class_group_id == to_class.id:
            raise StructureError("class_group_id", _("The student already studies in this class."))
        # A departure already recorded for a later day moves with the student to the new class.
        until, ending = old.ends_on, (old.end_kind, old.end_order_number, old.end_order_date, old.end_note)
        self._end(old, on_day - timedelta(days=1), "transferred", order_number, order_date)
        await self.session.flush()
        new = await self.enroll(student_id, to_class, starts_on=on_day, order_number=order_number, order_date=order_date,
                                kind="transferred")
        new.ends_on = until
        if until is not None and ending[0] is not None:
            new.end_kind, new.end_order_number, new.end_order_date, new.end_note = ending
        await self.session.flush()
        return new

    async def leave(self, student_id: int, *, last_day: date | None, order_number: str, order_date: date | None,
                    kind: str = "left", note: str = "") -> Enrollment:
        """The student leaves the school (or finishes it) after ``last_day``."""
        if kind not in ENROLLMENT_ENDS or kind == "transferred":
            raise StructureError("kind", _("Choose why the student leaves."))
        if last_day is None:
            raise StructureError("ends_on", _("Enter the last day."))
        enrollment = await self.current(student_id, last_day)
        if enrollment is None:
            raise StructureError("ends_on", _("The student is not enrolled in this school on %(day)s.", day=format_day(last_day)))
        if len(note) > 300:
            raise StructureError("note", _("The note is too long."))
        later = (await self.session.execute(select(Enrollment.starts_on, ClassGroup.grade_level, ClassGroup.letter)
                                            .join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
                                            .where(Enrollment.student_id == student_id, Enrollment.starts_on > last_day)
                                            .order_by(Enrollment.starts_on).limit(1))).first()
        if later is not None:  # leaving would leave that later class in place: the student would come back
            class_name = str(later.grade_level) + later.letter
            raise StructureError("ends_on", _("The student is enrolled in %(class_name)s from %(day)s: cancel that first or "
                                              "choose a later last day.", class_name=class_name, day=format_day(later.starts_on)))
        self._end(enrollment, last_day, kind, order_number, order_date, note)
        await self.session.flush()
        return enrollment

    @staticmethod
    def _end(enrollment: Enrollment, last_day: date, kind: str, order_number: str, order_date: date | None,
             note: str = "") -> None:
        order_number = " ".join(order_number.split())
        if not order_number or order_date is None or len(order_number) > 40:
            raise StructureError("order_number", _("Enter the number and date of the order."))
        enrollment.ends_on, enrollment.end_kind = last_day, kind
        enrollment.end_order_number, enrollment.end_order_date, enrollment.end_note = order_number, order_date, note.strip()

    # ---- families -----------------------------------------------------------------------------

    async def add_guardian(self, student_id: int, guardian_id: int, *, kind: str, document: str = "") -> Guardianship:
        """Link a legal representative to a student; a guardian by decision names the decision."""
        if kind not in GUARDIAN_KINDS:
            raise StructureError("kind", _("Choose who the person is to the student."))
        if student_id == guardian_id:
            raise StructureError("guardian_id", _("A student cannot represent themself."))
        document = " ".join(document.split())
        if kind in NEEDS_DOCUMENT and not document:
            raise StructureError("document", _("Name the decision that appointed the guardian (number and date)."))
        if len(document) > 200:
            raise StructureError("document", _("The document's name is too long."))
        if await self.session.scalar(select(Guardianship.id).where(
                Guardianship.student_id == student_id, Guardianship.guardian_id == guardian_id)):
            raise StructureError("guardian_id", _("This person already represents the student."))
        await owned_account(self.session, guardian_id)  # a parent may belong to another school, or none yet
        if not await self.session.scalar(select(RoleGrant.id).where(
                RoleGrant.user_id == student_id, RoleGrant.school_id == self.school_id, RoleGrant.role == "student")):
            raise StructureError("student_id", _("Choose a student of this school."))
        link = Guardianship(student_id=student_id, guardian_id=guardian_id, kind=kind, document=document)
        self.session.add(link)
        await self.session.flush()
        await self._grant(guardian_id, "parent")
        return link

    # ---- lists and figures --------------------------------------------------------------------

    async def class_list(self, class_group_id: int, day: date) -> list[tuple[int, str]]:
        """(student id, full name) of the class on a day, in alphabetical order."""
        return [(row.id, row.full_name) for row in (await self.session.execute(
            select(UserAccount.id, UserAccount.full_name)
            .join(Enrollment, Enrollment.student_id == UserAccount.id)
            .outerjoin(PersonProfile, PersonProfile.user_id == UserAccount.id)
            .where(Enrollment.class_group_id == class_group_id, Enrollment.school_id == self.school_id,
                   active_on(Enrollment.starts_on, Enrollment.ends_on, day))
            .order_by(func.coalesce(PersonProfile.search_key, UserAccount.full_name), UserAccount.id))).all()]

    async def occupancy(self, year: AcademicYear, day: date) -> dict[int, int]:
        """Students in each class of the year on a day (наполняемость); classes without any: 0."""
        counts = dict((await self.session.execute(
            select(Enrollment.class_group_id, func.count()).join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
            .where(ClassGroup.academic_year_id == year.id, active_on(Enrollment.starts_on, Enrollment.ends_on, day))
            .group_by(Enrollment.class_group_id))).all())
        classes = (await self.session.execute(select(ClassGroup.id).where(ClassGroup.academic_year_id == year.id))).scalars()
        return {class_id: counts.get(class_id, 0) for class_id in classes}

    async def movements(self, starts_on: date, ends_on: date) -> list[Movement]:
        """Arrivals, transfers and departures of the school between the dates, by date and name. A
        transfer is one movement (the ending and the starting enrollment share it), dated by its first
        day in the new class; a departure is dated by its last day. A "continued" enrollment (the
        year's class list of those who studied here last year) is no arrival and is left out."""
        rows = (await self.session.execute(
            select(Enrollment.student_id, Enrollment.starts_on, Enrollment.ends_on, Enrollment.start_kind, Enrollment.end_kind,
                   Enrollment.start_order_number, Enrollment.start_order_date, Enrollment.end_order_number,
                   Enrollment.end_order_date, Enrollment.end_note, UserAccount.full_name, ClassGroup.grade_level,
                   ClassGroup.letter)
            .join(UserAccount, UserAccount.id == Enrollment.student_id)
            .join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
            .where(Enrollment.school_id == self.school_id,
                   # from the day before: a transfer on the first day ends the old enrollment then, and names the class left
                   or_(Enrollment.starts_on.between(starts_on, ends_on),
                       Enrollment.ends_on.between(starts_on - timedelta(days=1), ends_on)))
        )).all()
        left_by_transfer = {(row.student_id, row.ends_on + timedelta(days=1)): f"{row.grade_level}{row.letter}"
                            for row in rows if row.end_kind == "transferred" and row.ends_on is not None}
        found: list[Movement] = []
        for row in rows:
            class_name = f"{row.grade_level}{row.letter}"
            if starts_on <= row.starts_on <= ends_on and row.start_kind in ARRIVALS:
                origin = left_by_transfer.get((row.student_id, row.starts_on), "") if row.start_kind == "transferred" else ""
                found.append(Movement(row.starts_on, row.start_kind, row.student_id, row.full_name, origin, class_name,
                                      row.start_order_number, row.start_order_date))
            if row.ends_on is not None and starts_on <= row.ends_on <= ends_on and row.end_kind in DEPARTURES:
                found.append(Movement(row.ends_on, row.end_kind, row.student_id, row.full_name, class_name, "",
                                      row.end_order_number, row.end_order_date, row.end_note))
        return sorted(found, key=lambda movement: (movement.day, folded(movement.student), movement.student_id, movement.kind))

    async def movement_by_class(self, starts_on: date, ends_on: date) -> list[ClassMovement]:
        """Each class's figures for the dates, in one statement: students at the start, arrivals,
        transfers in and out, departures, students at the end. A class counts only the part of the
        range inside its school year; a "continued" enrollment is counted at the start (it is the
        year's list, not an arrival). Whatever the data, at_start + in − out = at_end."""
        rows = (await self.session.execute(
            select(Enrollment.class_group_id, Enrollment.starts_on, Enrollment.ends_on, Enrollment.start_kind,
                   Enrollment.end_kind, ClassGroup.grade_level, ClassGroup.letter, AcademicYear.name.label("year_name"),
                   AcademicYear.starts_on.label("year_starts"), AcademicYear.ends_on.label("year_ends"))
            .join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
            .join(AcademicYear, AcademicYear.id == ClassGroup.academic_year_id)
            .where(Enrollment.school_id == self.school_id, Enrollment.starts_on <= ends_on,
                   or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= starts_on - timedelta(days=1))))).all()
        classes: dict[int, ClassMovement] = {}
        for row in rows:
            first, last = max(starts_on, row.year_starts), min(ends_on, row.year_ends)
            if first > last or row.starts_on > last:
                continue
            tally = classes.setdefault(row.class_group_id, ClassMovement(
                row.class_group_id, f"{row.grade_level}{row.letter}", row.grade_level, row.year_name, row.year_starts))
            exit_day = _exit_day(row.ends_on, row.end_kind, row.year_ends)
            if first <= row.starts_on and row.start_kind != "continued":
                if row.start_kind == "transferred":
                    tally.transferred_in += 1
                else:
                    tally.arrived += 1
            elif exit_day is None or exit_day >= first:
                tally.at_start += 1
            if exit_day is not None and first <= exit_day <= last:
                if row.end_kind == "transferred":
                    tally.transferred_out += 1
                else:
                    tally.left += 1
            elif exit_day is None or exit_day > last:
                tally.at_end += 1
        return sorted(classes.values(), key=lambda tally: (tally.year_starts, tally.grade_level, tally.class_name))


def _exit_day(ends_on: date | None, end_kind: str | None, year_ends: date) -> date | None:
    """The day a student stops counting in the class's movement: a departure on its (last) day, a
    transfer on the day after (the first day in the new class); an enrollment that ends with the
    year, or never, has none. One that ends earlier without a kind counts as a departure, so the
    figures still add up."""
    if ends_on is None or (end_kind is None and ends_on >= year_ends):
        return None
    return ends_on + timedelta(days=1) if end_kind == "transferred" else ends_on


async def owned_account(session: AsyncSession, account_id: int) -> UserAccount:
    account = await session.get(UserAccount, account_id)
    if account is None:
        raise StructureError("guardian_id", _("Choose a person."))
    return account


async def guardians_of(session: AsyncSession, student_id: int) -> list[tuple[Guardianship, str]]:
    return [(link, name) for link, name in (await session.execute(
        select(Guardianship, UserAccount.full_name).join(UserAccount, UserAccount.id == Guardianship.guardian_id)
        .where(Guardianship.student_id == student_id).order_by(Guardianship.kind, UserAccount.full_name))).all()]


async def children_of(session: AsyncSession, guardian_id: int) -> list[tuple[int, str]]:
    return [(row.id, row.full_name) for row in (await session.execute(
        select(UserAccount.id, UserAccount.full_name).join(Guardianship, Guardianship.student_id == UserAccount.id)
        .where(Guardianship.guardian_id == guardian_id).order_by(UserAccount.full_name))).all()]
