"""Class lists and the staff list written to XLSX in the columns the import reads (regulation 4.9),
so that a list exported, corrected and uploaded again changes only what was corrected."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.i18n import gettext as _
from core.people.importing import FIELDS_BY_NAME, split_full_name
from core.people.cards import link_active
from core.people.models import Enrollment, Guardianship, PersonProfile, StaffPosition
from core.people.services import search_key
from core.people.spreadsheets import Sheet, xlsx_bytes
from core.structure.common import active_on
from core.structure.models import ClassGroup

# Who a representative is, in the school's words (lists.KIND_WORDS reads them back), in this order.
KIND_TITLES = {"mother": "мать", "father": "отец", "guardian": "опекун", "trustee": "попечитель",
               "foster_parent": "приёмный родитель", "other": "другое"}
KIND_ORDER = {kind: number for number, kind in enumerate(KIND_TITLES)}

CLASS_COLUMNS = ("last_name", "first_name", "middle_name", "birth_date", "class_name", "admitted_on", "order_number",
                 "order_date", "phone", "email", "guardian_full_name", "guardian_kind", "guardian_phone")
STAFF_COLUMNS = ("last_name", "first_name", "middle_name", "birth_date", "position", "phone", "email")


def _title(name: str) -> str:
    """The column's Russian title, as the reader takes it: the file is the school's document,
    read back by this reader and by other systems, whatever the language of the page."""
    return FIELDS_BY_NAME[name].spellings[0]


async def class_list_xlsx(session: AsyncSession, school_id: int, class_group: ClassGroup, day: date) -> bytes:
    """The class on ``day``, one row per student and representative, in the columns of the import."""
    students = (await session.execute(
        select(PersonProfile, Enrollment).join(Enrollment, Enrollment.student_id == PersonProfile.user_id)
        .where(Enrollment.class_group_id == class_group.id, Enrollment.school_id == school_id,
               active_on(Enrollment.starts_on, Enrollment.ends_on, day))
        .order_by(PersonProfile.search_key, PersonProfile.user_id))).all()
    representatives: dict[int, list[tuple[str, str, str]]] = {}
    for link, account, profile in (await session.execute(
            select(Guardianship, UserAccount, PersonProfile).join(UserAccount, UserAccount.id == Guardianship.guardian_id)
            .outerjoin(PersonProfile, PersonProfile.user_id == Guardianship.guardian_id)
            .where(Guardianship.student_id.in_([profile.user_id for profile, _enrollment in students]),
                   link_active(day)))).all():  # the representatives of that day, not the ended ones
        representatives.setdefault(link.student_id, []).append((account.full_name, link.kind, profile.phone if profile else ""))
    rows: list[list[Any]] = []
    for profile, enrollment in students:
        own = [profile.last_name, profile.first_name, profile.middle_name, profile.birth_date, class_group.name,
               enrollment.starts_on, enrollment.start_order_number, enrollment.start_order_date, profile.phone, profile.email]
        family = sorted(representatives.get(profile.user_id, []), key=lambda one: (KIND_ORDER.get(one[1], 99), one[0]))
        for name, kind, phone in family or [("", "", "")]:
            rows.append(own + [name, KIND_TITLES.get(kind, ""), phone])
    return xlsx_bytes([Sheet(class_group.name, [_title(name) for name in CLASS_COLUMNS], rows)])


async def staff_list_xlsx(session: AsyncSession, school_id: int, day: date) -> bytes:
    """The school's staff on ``day``, one row per position held, in the columns of the import."""
    positions = (await session.execute(
        select(StaffPosition.title, UserAccount.full_name, PersonProfile)
        .join(UserAccount, UserAccount.id == StaffPosition.user_id)
        .outerjoin(PersonProfile, PersonProfile.user_id == StaffPosition.user_id)
        .where(StaffPosition.school_id == school_id, active_on(StaffPosition.starts_on, StaffPosition.ends_on, day)))).all()
    rows: list[list[Any]] = []
    for title, name, profile in positions:
        if profile is not None:
            rows.append([profile.last_name, profile.first_name, profile.middle_name, profile.birth_date, title,
                         profile.phone, profile.email, profile.search_key])
        else:
            last, first, middle = split_full_name(name) or (name, "", None)
            rows.append([last, first, middle or "", None, title, "", "", search_key(name)])
    rows.sort(key=lambda row: (row[-1], row[4]))
    return xlsx_bytes([Sheet(_("Staff"), [_title(name) for name in STAFF_COLUMNS], [row[:-1] for row in rows])])
