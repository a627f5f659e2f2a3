"""Object scope: which objects a person reaches, from dated structure data, never from the role
alone. Services call these; a miss is a 404 that looks the same whether the object exists or not.

Own school is here now. Own children (guardianship), own class (class-teacher appointment) and
own assignments (teaching load, substitutions) join as their structure data lands.
"""

from __future__ import annotations

from litestar.exceptions import NotFoundException
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RoleGrant
from core.auth.services import CurrentUser


def current_school(user: CurrentUser | None) -> int:
    """The school the request acts in; the guard has made sure there is one."""
    if user is None or user.school_id is None:
        raise NotFoundException()
    return user.school_id


def require_own_school(user: CurrentUser | None, school_id: int) -> None:
    """Only the current school's objects; another school's look like nothing at all."""
    if user is None or user.school_id != school_id:
        raise NotFoundException()


def account_in_school(user_id: int, school_id: int):  # type: ignore[no-untyped-def]
    """SQL condition: the account holds some role in the school."""
    return exists(select(RoleGrant.id).where(RoleGrant.user_id == user_id, RoleGrant.school_id == school_id))


async def require_account_in_school(session: AsyncSession, actor: CurrentUser | None, user_id: int) -> None:
    """An administrator manages the accounts of their current school only (the operator: any)."""
    school_id = current_school(actor)
    assert actor is not None
    if actor.is_operator:
        return
    if not await session.scalar(select(account_in_school(user_id, school_id))):
        raise NotFoundException()


async def account_only_in_school(session: AsyncSession, actor: CurrentUser | None, user_id: int) -> bool:
    """Whether the actor may change the account itself (name, password, block): it must belong to
    the actor's current school alone. A person who also works in another school, or the platform
    operator, is changed by the operator, who serves every school."""
    school_id = current_school(actor)
    assert actor is not None
    if actor.is_operator:
        return True
    elsewhere = await session.scalar(
        select(exists(select(RoleGrant.id).where(
            RoleGrant.user_id == user_id, (RoleGrant.school_id.is_(None)) | (RoleGrant.school_id != school_id)
        )))
    )
    return not elsewhere
