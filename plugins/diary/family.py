"""Whose diary a person may open: a student their own; a parent (законный представитель) each
child while the guardianship holds and the child studies in the current school. Anything else is
a 404, the same whether the student exists or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from litestar.exceptions import NotFoundException
from sqlalchemy import String, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.people.models import Enrollment, Guardianship
from core.structure.common import active_on
from core.structure.models import ClassGroup


@dataclass(frozen=True)
class Child:
    id: int
    name: str
    class_label: str  # «5А» on the day asked
    grade_level: int


async def children_of(session: AsyncSession, user: CurrentUser, day: date) -> list[Child]:
    """The students whose diary ``user`` opens on ``day``: one statement."""
    if user.school_id is None:
        return []
    query = (select(UserAccount.id, UserAccount.full_name,
                    cast(ClassGroup.grade_level, String).concat(ClassGroup.letter), ClassGroup.grade_level)
             .join(Enrollment, Enrollment.student_id == UserAccount.id)
             .join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
             .where(Enrollment.school_id == user.school_id, active_on(Enrollment.starts_on, Enrollment.ends_on, day)))
    own = UserAccount.id == user.id if "student" in user.roles else None
    theirs = UserAccount.id.in_(select(Guardianship.student_id).where(
        Guardianship.guardian_id == user.id, or_(Guardianship.starts_on.is_(None), Guardianship.starts_on <= day),
        or_(Guardianship.ends_on.is_(None), Guardianship.ends_on >= day))) if "parent" in user.roles else None
    reach = [condition for condition in (own, theirs) if condition is not None]
    if not reach:
        return []
    rows = (await session.execute(query.where(or_(*reach)).order_by(UserAccount.full_name, UserAccount.id))).all()
    seen: dict[int, Child] = {}
    for student_id, name, label, level in rows:
        seen.setdefault(student_id, Child(student_id, name, label or "", level))
    return list(seen.values())


async def child_of(session: AsyncSession, user: CurrentUser, student_id: int, day: date) -> tuple[Child, list[Child]]:
    """The child asked for, and all of the person's children (for switching); 404 when not theirs."""
    children = await children_of(session, user, day)
    found = next((child for child in children if child.id == student_id), None)
    if found is None:
        raise NotFoundException()
    return found, children
