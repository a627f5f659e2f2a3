"""Consent to the processing of personal data (152-FZ ch. 2; regulation 1.11, 1.12): given in
writing — by a parent for a minor — at admission, kept in the personal file; recorded here with
its date, document and scope, and its withdrawal beside it, never over it.

What a withdrawal changes (stated on the card and done at once):
- ``contacts``: the person's phone and e-mail are erased from the journal;
- ``email``: copies of messages by e-mail stop (the messaging plugin, on ``ConsentWithdrawn``);
- ``calendar``: the calendar feeds with the student's lessons stop (the diary plugin);
- ``journal``: what the school must keep by law — names, birth date, classes and orders, marks,
  attendance, final marks — is kept, on the legal ground recorded with the withdrawal
  (``KEPT_GROUND``); the journal shows a person without a valid consent in its report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.events import ConsentWithdrawn, emit
from core.i18n import N_
from core.i18n import gettext as _
from core.people.models import Enrollment, Guardianship, PersonalDataConsent, PersonProfile
from core.structure.common import StructureError, active_on
from core.structure.models import ClassGroup

CONSENT_SCOPES: dict[str, str] = {
    "journal": N_("the electronic journal and diary"),
    "contacts": N_("phone and e-mail in the journal"),
    "email": N_("notices and copies of messages by e-mail"),
    "calendar": N_("the diary's calendar feed for other apps"),
}
WITHDRAWAL_EFFECTS: dict[str, str] = {
    "journal": N_("What the school must keep by law (names, birth date, classes and orders, marks, attendance, final "
                  "marks) is kept on the recorded legal ground; nothing else is added."),
    "contacts": N_("The phone and e-mail are erased from the journal."),
    "email": N_("Copies of messages by e-mail stop."),
    "calendar": N_("The calendar feeds with the student's lessons stop working."),
}
KEPT_GROUND = ("п. 2 ч. 1 ст. 6 Федерального закона № 152-ФЗ; ч. 3 ст. 28, ст. 58 Федерального закона № 273-ФЗ "
               "«Об образовании в Российской Федерации» (учёт результатов освоения образовательных программ)")
MAX_DOCUMENT = 300
STATES = ("valid", "expired", "withdrawn", "none")


@dataclass(frozen=True)
class ConsentState:
    """A person's consent as of a day: the standing or latest record and what it means."""

    state: str  # STATES
    current: PersonalDataConsent | None
    history: list[PersonalDataConsent]

    @property
    def scopes(self) -> list[str]:
        return [s for s in CONSENT_SCOPES if self.state == "valid" and self.current and s in self.current.scope_list]


def scope_list(text: str) -> list[str]:
    return [s for s in text.split(",") if s in CONSENT_SCOPES]


def state_on(records: list[PersonalDataConsent], day: date) -> ConsentState:
    """The state on ``day`` from the person's records, newest first: the consent given by then and
    not yet closed; else the latest given by then (expired or withdrawn); else none."""
    given = [r for r in records if r.given_on <= day]
    standing = next((r for r in given if r.withdrawn_on is None or r.withdrawn_on > day), None)
    if standing is not None:
        expired = standing.valid_until is not None and standing.valid_until < day
        return ConsentState("expired" if expired else "valid", standing, records)
    if given:
        return ConsentState("withdrawn", given[0], records)
    return ConsentState("none", None, records)


async def consent_of(session: AsyncSession, school_id: int, person_id: int, day: date) -> ConsentState:
    records = list(await session.scalars(
        select(PersonalDataConsent).where(PersonalDataConsent.school_id == school_id, PersonalDataConsent.person_id == person_id)
        .order_by(PersonalDataConsent.given_on.desc(), PersonalDataConsent.id.desc())))
    return state_on(records, day)


@dataclass(frozen=True)
class NewConsent:
    given_on: date
    document: str
    scopes: list[str]
    valid_until: date | None = None
    signed_by: int | None = None  # the representative who signed for a minor


def _checked(new: NewConsent, today: date) -> None:
    if not new.document.strip():
        raise StructureError("document", _("Name the written consent: its number or date in the personal file."))
    if len(new.document) > MAX_DOCUMENT:
        raise StructureError("document", _("At most 300 characters."))
    if new.given_on > today:
        raise StructureError("given_on", _("A consent cannot be recorded before it is given."))
    if new.valid_until is not None and new.valid_until < max(new.given_on, today):
        raise StructureError("valid_until", _("The consent cannot end before it is given or before today."))
    if "journal" not in new.scopes:
        raise StructureError("scopes", _("A consent covers at least the electronic journal and diary."))


async def give_consent(session: AsyncSession, school_id: int, person_id: int, new: NewConsent, actor_id: int,
                       today: date) -> tuple[PersonalDataConsent, list[str]]:
    """Record a consent; one standing before it is replaced (closed on the new one's date).
    Returns the record and the scopes the replacement dropped (withdrawn by it)."""
    _checked(new, today)
    dropped: list[str] = []
    standing = (await consent_of(session, school_id, person_id, today))
    if standing.current is not None and standing.current.withdrawn_on is None:
        if new.given_on < standing.current.given_on:
            raise StructureError("given_on", _("A newer consent stands; a replacement is given after it."))
        dropped = [s for s in standing.current.scope_list if s not in new.scopes]
        await _close(session, standing.current, new.given_on, f"заменено согласием от {new.given_on:%d.%m.%Y}", actor_id)
    consent = PersonalDataConsent(school_id=school_id, person_id=person_id, signed_by=new.signed_by, given_on=new.given_on,
                                  document=new.document.strip(), scopes=",".join(s for s in CONSENT_SCOPES if s in new.scopes),
                                  valid_until=new.valid_until, recorded_by=actor_id)
    session.add(consent)
    await session.flush()
    if dropped:
        await _apply_withdrawal(session, school_id, person_id, dropped, today)
    return consent, dropped


async def withdraw_consent(session: AsyncSession, school_id: int, person_id: int, withdrawn_on: date, document: str,
                           actor_id: int, today: date) -> PersonalDataConsent:
    state = await consent_of(session, school_id, person_id, today)
    standing = state.current if state.current is not None and state.current.withdrawn_on is None else None
    if standing is None:
        raise StructureError("withdrawal_document", _("No consent stands to withdraw."))
    if not document.strip() or len(document) > MAX_DOCUMENT:
        raise StructureError("withdrawal_document", _("Name the written withdrawal: its number or date (at most 300 characters)."))
    if withdrawn_on > today or withdrawn_on < standing.given_on:
        raise StructureError("withdrawn_on", _("The withdrawal's date lies between the consent's date and today."))
    await _close(session, standing, withdrawn_on, document.strip(), actor_id)
    await _apply_withdrawal(session, school_id, person_id, standing.scope_list, today)
    return standing


async def _close(session: AsyncSession, consent: PersonalDataConsent, on: date, document: str, actor_id: int) -> None:
    from core.db.types import utcnow

    consent.withdrawn_on, consent.withdrawal_document = on, document[:MAX_DOCUMENT]
    consent.withdrawn_by, consent.withdrawn_at, consent.kept_ground = actor_id, utcnow(), KEPT_GROUND
    await session.flush()


async def _states_by_school(session: AsyncSession, person_id: int, day: date, *, except_school: int | None = None) -> list[ConsentState]:
    """The person's consent state on ``day`` in each school that recorded one (the profile and the
    e-mail choice are the person's, not a school's)."""
    query = select(PersonalDataConsent).where(PersonalDataConsent.person_id == person_id)
    if except_school is not None:
        query = query.where(PersonalDataConsent.school_id != except_school)
    records: dict[int, list[PersonalDataConsent]] = {}
    for consent in await session.scalars(query.order_by(PersonalDataConsent.given_on.desc(), PersonalDataConsent.id.desc())):
        records.setdefault(consent.school_id, []).append(consent)
    return [state_on(found, day) for found in records.values()]


async def covered_elsewhere(session: AsyncSession, person_id: int, scope: str, school_id: int, day: date) -> bool:
    """Whether another school holds a valid consent of the person for ``scope``."""
    return any(scope in state.scopes for state in await _states_by_school(session, person_id, day, except_school=school_id))


async def refused(session: AsyncSession, person_id: int, scope: str, day: date) -> bool:
    """Whether the person's recorded consents leave ``scope`` out (withdrawn, expired or never
    given for it) and none covers it. Nothing recorded is no refusal: the school may not keep its
    consents in the journal."""
    states = await _states_by_school(session, person_id, day)
    return bool(states) and not any(scope in state.scopes for state in states)


async def _apply_withdrawal(session: AsyncSession, school_id: int, person_id: int, scopes: list[str], today: date) -> None:
    """Do what the withdrawal of ``scopes`` changes: erase the contacts here (unless another
    school's consent still covers them), tell the plugins the rest."""
    if "contacts" in scopes and not await covered_elsewhere(session, person_id, "contacts", school_id, today):
        await session.execute(update(PersonProfile).where(PersonProfile.user_id == person_id).values(phone="", email="")
                              .execution_options(synchronize_session=False))
    emit(session, ConsentWithdrawn(school_id=school_id, person_id=person_id, scopes=",".join(scopes)))


async def card_consent(session: AsyncSession, school_id: int, person_id: int, today: date) -> dict[str, Any]:
    """The card's consent block: the state, its history and who may sign for the person."""
    signers = (await session.execute(
        select(UserAccount.id, UserAccount.full_name).join(Guardianship, Guardianship.guardian_id == UserAccount.id)
        .where(Guardianship.student_id == person_id, or_(Guardianship.starts_on.is_(None), Guardianship.starts_on <= today),
               or_(Guardianship.ends_on.is_(None), Guardianship.ends_on >= today)).order_by(UserAccount.full_name))).all()
    return {"consent": await consent_of(session, school_id, person_id, today), "consent_scopes": CONSENT_SCOPES,
            "withdrawal_effects": WITHDRAWAL_EFFECTS, "kept_ground": KEPT_GROUND, "signers": signers}


# ---- the report of people without a valid consent -------------------------------------------------


@dataclass(frozen=True)
class MissingConsent:
    person_id: int
    full_name: str
    role: str  # "student" or "parent"
    class_id: int
    class_name: str
    student_name: str  # for a parent: whose
    state: str  # "none", "expired", "withdrawn"
    since: date | None  # the withdrawal's or the expiry's date


async def people_without_consent(session: AsyncSession, school_id: int, day: date, class_id: int | None = None) -> list[MissingConsent]:
    """The students enrolled on ``day`` and their current representatives without a valid consent,
    by class and name. Three statements: the students, their representatives, the consents."""
    enrolled = (select(Enrollment.student_id, ClassGroup.id.label("class_id"), ClassGroup.grade_level, ClassGroup.letter)
                .join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
                .where(Enrollment.school_id == school_id, active_on(Enrollment.starts_on, Enrollment.ends_on, day)))
    if class_id is not None:
        enrolled = enrolled.where(ClassGroup.id == class_id)
    students = {row.student_id: row for row in await session.execute(enrolled)}
    names = dict((await session.execute(select(UserAccount.id, UserAccount.full_name).where(UserAccount.id.in_(students)))).all())
    parents = (await session.execute(
        select(Guardianship.student_id, Guardianship.guardian_id, UserAccount.full_name)
        .join(UserAccount, UserAccount.id == Guardianship.guardian_id)
        .where(Guardianship.student_id.in_(students),
               or_(Guardianship.starts_on.is_(None), Guardianship.starts_on <= day),
               or_(Guardianship.ends_on.is_(None), Guardianship.ends_on >= day)))).all()
    people = set(students) | {row.guardian_id for row in parents}
    records: dict[int, list[PersonalDataConsent]] = {}
    for consent in await session.scalars(
            select(PersonalDataConsent).where(PersonalDataConsent.school_id == school_id, PersonalDataConsent.person_id.in_(people))
            .order_by(PersonalDataConsent.given_on.desc(), PersonalDataConsent.id.desc())):
        records.setdefault(consent.person_id, []).append(consent)
    missing: list[MissingConsent] = []
    for student_id, row in students.items():
        missing.extend(_missing(student_id, names.get(student_id, ""), "student", row, "", records, day))
    for link in parents:
        row = students[link.student_id]
        missing.extend(_missing(link.guardian_id, link.full_name, "parent", row, names.get(link.student_id, ""), records, day))
    return sorted(missing, key=lambda m: (len(m.class_name), m.class_name, m.student_name or m.full_name, m.role != "student",
                                          m.full_name))  # 5А before 10А


def _missing(person_id: int, name: str, role: str, row: Any, student_name: str, records: dict[int, list[PersonalDataConsent]],
             day: date) -> list[MissingConsent]:
    state = state_on(records.get(person_id, []), day)
    if state.state == "valid":
        return []
    current = state.current
    since = None if current is None else current.valid_until if state.state == "expired" else current.withdrawn_on
    return [MissingConsent(person_id, name, role, row.class_id, f"{row.grade_level}{row.letter}", student_name, state.state, since)]
