"""Issuing logins and one-time passwords (regulation 3.3, 4.7): the journal administrator for
anyone of the school (all staff, a class's students or parents, one person), a class teacher for
the students and parents of the classes they lead on the day. The printed protocol carries each
person's login, one-time password and a line for their signature; the passwords are never stored
in the clear, so a lost protocol means issuing again, which voids the previous passwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import STAFF
from core.access.scope import led_classes
from core.auth.models import RoleGrant, UserAccount
from core.db.types import utcnow
from core.i18n import gettext as _
from core.people.cards import in_led_class, in_school, link_active
from core.people.models import Enrollment, Guardianship
from core.structure.common import active_on
from core.structure.models import AcademicYear, ClassGroup

GROUP_KINDS = ("staff", "students", "parents", "person")


class CredentialsError(ValueError):
    """A request the issuance refuses; the message is for the person."""


@dataclass(frozen=True)
class Group:
    kind: str  # GROUP_KINDS
    target_id: int | None  # the class, or the person; None for all staff

    @property
    def value(self) -> str:
        return self.kind if self.target_id is None else f"{self.kind}:{self.target_id}"


def parse_group(raw: str) -> Group | None:
    kind, _sep, number = raw.partition(":")
    if kind == "staff" and not number:
        return Group("staff", None)
    if kind in ("students", "parents", "person") and number.isdigit() and len(number) <= 10:
        return Group(kind, int(number))
    return None


@dataclass(frozen=True)
class Holder:
    """A person of the group and where their access stands."""

    id: int
    name: str
    login: str
    blocked: bool
    status: str  # "none", "one_time", "expired", "own"
    expires_at: datetime | None
    last_login_at: datetime | None
    note: str = ""  # for parents: whose parent
    beyond: str = ""  # why the issuer may not reset this account (staff, another school): empty if they may

    @property
    def issuable(self) -> bool:
        return not self.blocked and not self.beyond

    @property
    def needs_credentials(self) -> bool:
        """Ticked by default: nobody who uses the journal, nor holds a one-time password still valid
        (a second batch must not void the first protocol handed out)."""
        return self.issuable and self.status in ("none", "expired")


def status_of(account: UserAccount, now: datetime) -> str:
    if account.password_hash is None:
        return "none"
    if account.must_change_password:
        return "expired" if account.password_expires_at and account.password_expires_at <= now else "one_time"
    return "own"


class CredentialsService:
    def __init__(self, session: AsyncSession, school_id: int, user_id: int, *, whole_school: bool) -> None:
        self.session = session
        self.school_id = school_id
        self.user_id = user_id
        self.whole_school = whole_school

    async def classes(self, day: date) -> list[tuple[int, str]]:
        """The classes one may issue for, of the year running on ``day``: all, or the led ones."""
        query = (select(ClassGroup.id, ClassGroup.grade_level, ClassGroup.letter)
                 .join(AcademicYear, AcademicYear.id == ClassGroup.academic_year_id)
                 .where(ClassGroup.school_id == self.school_id, AcademicYear.starts_on <= day, AcademicYear.ends_on >= day)
                 .order_by(ClassGroup.grade_level, ClassGroup.letter))
        if not self.whole_school:
            query = query.where(ClassGroup.id.in_(await led_classes(self.session, self.user_id, self.school_id, day)))
        return [(class_id, f"{grade}{letter}") for class_id, grade, letter in await self.session.execute(query)]

    async def holders(self, group: Group, day: date) -> list[Holder]:
        """The people of ``group`` one may issue for, by name; a group out of reach is an error
        that does not say whether it exists."""
        now = utcnow()
        notes: dict[int, str] = {}
        if group.kind == "staff":
            if not self.whole_school:
                raise CredentialsError(_("Only the journal administrator issues the staff's credentials."))
            ids = select(RoleGrant.user_id).where(RoleGrant.school_id == self.school_id, RoleGrant.role.in_(STAFF))
        elif group.kind in ("students", "parents"):
            if group.target_id not in {class_id for class_id, _label in await self.classes(day)}:
                raise CredentialsError(_("Choose one of the classes offered."))
            students = select(Enrollment.student_id).where(Enrollment.class_group_id == group.target_id,
                                                          active_on(Enrollment.starts_on, Enrollment.ends_on, day))
            if group.kind == "students":
                ids = students
            else:
                ids = select(Guardianship.guardian_id).where(Guardianship.student_id.in_(students), link_active(day))
                notes = await self._children_names(group.target_id, day)  # type: ignore[arg-type]
        else:
            assert group.target_id is not None
            reached = (await in_school(self.session, self.school_id, group.target_id, current_on=day) if self.whole_school
                       else await in_led_class(self.session, self.school_id, self.user_id, group.target_id, day))
            if not reached:
                raise CredentialsError(_("This person is not among those you issue credentials for."))
            ids = select(UserAccount.id).where(UserAccount.id == group.target_id)
        accounts = (await self.session.scalars(select(UserAccount).where(UserAccount.id.in_(ids)))).all()
        grants = await self._grants([a.id for a in accounts])
        holders = [Holder(a.id, a.full_name, a.login, a.is_blocked, status_of(a, now), a.password_expires_at, a.last_login_at,
                          notes.get(a.id, ""), self._beyond(grants.get(a.id, []))) for a in accounts]
        return sorted(holders, key=lambda h: (h.name.casefold(), h.id))

    async def _grants(self, user_ids: list[int]) -> dict[int, list[tuple[int | None, str]]]:
        found: dict[int, list[tuple[int | None, str]]] = {}
        if user_ids:
            for user_id, school_id, role in await self.session.execute(
                    select(RoleGrant.user_id, RoleGrant.school_id, RoleGrant.role).where(RoleGrant.user_id.in_(user_ids))):
                found.setdefault(user_id, []).append((school_id, role))
        return found

    def _beyond(self, grants: list[tuple[int | None, str]]) -> str:
        """A new password opens everything the account reaches: a class teacher resets only
        students and parents, and nobody resets an account of another school (or the operator)
        from here; the journal administrator or the platform operator does that."""
        if any(school_id != self.school_id for school_id, _role in grants):
            return _("also has access elsewhere: the platform operator resets the password")
        if not self.whole_school and any(role not in ("student", "parent") for _school, role in grants):
            return _("a member of staff: the journal administrator resets the password")
        return ""

    async def _children_names(self, class_id: int, day: date) -> dict[int, str]:
        rows = await self.session.execute(
            select(Guardianship.guardian_id, UserAccount.full_name)
            .join(UserAccount, UserAccount.id == Guardianship.student_id)
            .join(Enrollment, Enrollment.student_id == Guardianship.student_id)
            .where(Enrollment.class_group_id == class_id, active_on(Enrollment.starts_on, Enrollment.ends_on, day), link_active(day))
            .order_by(UserAccount.full_name)
        )
        names: dict[int, list[str]] = {}
        for guardian_id, child in rows:
            names.setdefault(guardian_id, []).append(child)
        return {guardian_id: ", ".join(children) for guardian_id, children in names.items()}

    async def chosen(self, group: Group, day: date, user_ids: list[int]) -> tuple[list[Holder], list[UserAccount]]:
        """The chosen people, all of them in the group and not blocked, with their accounts."""
        if not user_ids:
            raise CredentialsError(_("Choose at least one person."))
        holders = {h.id: h for h in await self.holders(group, day)}
        if any(user_id not in holders for user_id in user_ids):
            raise CredentialsError(_("Some of the chosen people are not in this group. Nothing was issued; reload the page."))
        if any(holders[user_id].blocked for user_id in user_ids):
            raise CredentialsError(_("A blocked account gets no credentials. Unblock it first."))
        if any(holders[user_id].beyond for user_id in user_ids):
            raise CredentialsError(_("Some of the chosen accounts are not yours to reset. Nothing was issued."))
        ordered = sorted(set(user_ids), key=lambda i: (holders[i].name.casefold(), i))
        accounts = {a.id: a for a in await self.session.scalars(select(UserAccount).where(UserAccount.id.in_(ordered)))}
        return [holders[i] for i in ordered], [accounts[i] for i in ordered]

    async def title(self, group: Group, day: date) -> str:
        labels = dict(await self.classes(day))
        if group.kind == "staff":
            return _("The school's staff")
        if group.kind == "students":
            return _("Students of class %(name)s", name=labels.get(group.target_id or 0, "?"))
        if group.kind == "parents":
            return _("Parents of class %(name)s", name=labels.get(group.target_id or 0, "?"))
        account = await self.session.get(UserAccount, group.target_id)
        return account.full_name if account else "?"


def protocol_rows(holders: list[Holder], passwords: dict[int, str]) -> list[dict[str, Any]]:
    return [{"number": n, "name": h.name, "note": h.note, "login": h.login, "password": passwords[h.id]}
            for n, h in enumerate(holders, start=1)]
