"""Staff: people with positions (должности) in the school, dated. Roles, which give access, are
granted by the journal administrator on the account page; a position is what the person is."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import STAFF
from core.auth.models import RoleGrant, UserAccount
from core.i18n import folded
from core.i18n import gettext as _
from core.people.models import StaffPosition
from core.structure.common import StructureError, active_on

MAX_TITLE = 200


def clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise StructureError("title", _("Enter the position, for example «Учитель математики»."))
    if len(title) > MAX_TITLE:
        raise StructureError("title", _("The position is too long."))
    return title


async def add_position(session: AsyncSession, school_id: int, user_id: int, title: str, starts_on: date | None) -> StaffPosition:
    title = clean_title(title)
    if starts_on is None:
        raise StructureError("starts_on", _("Enter the start date."))
    held = (await session.execute(select(StaffPosition.title).where(
        StaffPosition.school_id == school_id, StaffPosition.user_id == user_id,
        active_on(StaffPosition.starts_on, StaffPosition.ends_on, starts_on)))).scalars().all()
    if any(title.casefold() == other.casefold() for other in held):
        raise StructureError("title", _("The person already holds this position."))
    position = StaffPosition(school_id=school_id, user_id=user_id, title=title, starts_on=starts_on)
    session.add(position)
    await session.flush()
    return position


async def end_position(session: AsyncSession, position: StaffPosition, ends_on: date | None) -> None:
    if ends_on is None:
        raise StructureError("ends_on", _("Enter the last day."))
    if ends_on < position.starts_on:
        raise StructureError("ends_on", _("The end comes before the start."))
    position.ends_on = ends_on
    await session.flush()


async def staff_members(session: AsyncSession, school_id: int, day: date) -> list[tuple[int, str, list[str], list[str]]]:
    """(id, name, current positions, staff roles) of everyone with a position or a staff role: three statements."""
    positions: dict[int, list[str]] = {}
    for user_id, title in (await session.execute(select(StaffPosition.user_id, StaffPosition.title).where(
            StaffPosition.school_id == school_id, active_on(StaffPosition.starts_on, StaffPosition.ends_on, day))
            .order_by(StaffPosition.starts_on))).all():
        positions.setdefault(user_id, []).append(title)
    roles: dict[int, list[str]] = {}
    for user_id, role in (await session.execute(select(RoleGrant.user_id, RoleGrant.role).where(
            RoleGrant.school_id == school_id, RoleGrant.role.in_(STAFF)))).all():
        roles.setdefault(user_id, []).append(role)
    ids = set(positions) | set(roles)
    if not ids:
        return []
    names = (await session.execute(select(UserAccount.id, UserAccount.full_name).where(UserAccount.id.in_(ids)))).all()
    return [(row.id, row.full_name, positions.get(row.id, []), roles.get(row.id, []))
            for row in sorted(names, key=lambda row: (folded(row.full_name), row.id))]
