"""Object scope: which objects a person reaches, from dated structure data, never from the role
alone. Services call these; a miss is a 404 that looks the same whether the object exists or not.

Own school; own children (guardianship, the child enrolled in the school on the day); one's own
class (class-teacher appointment) and own subject pages (teaching assignments), all as of a day.
Substitutions join with the timetable.
"""

from __future__ import annotations

from litestar.exceptions import NotFoundException
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from datetime import date

from sqlalchemy import or_

from core.auth.models import RoleGrant
from core.auth.services import CurrentUser
from core.people.models import Enrollment, Guardianship
from core.structure.common import active_on
from core.structure.models import ClassTeacherAppointment, SubjectPage, TeachingAssignment


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


async def own_children(session: AsyncSession, guardian_id: int, school_id: int, day: date) -> list[int]:
    """Students the person legally represents on the day who study in the school on that day."""
    return list((await session.execute(
        select(Guardianship.student_id).join(Enrollment, Enrollment.student_id == Guardianship.student_id)
        .where(Guardianship.guardian_id == guardian_id, Enrollment.school_id == school_id,
               or_(Guardianship.starts_on.is_(None), Guardianship.starts_on <= day),
               or_(Guardianship.ends_on.is_(None), Guardianship.ends_on >= day),
               active_on(Enrollment.starts_on, Enrollment.ends_on, day))
        .distinct().order_by(Guardianship.student_id))).scalars())


async def require_own_child(session: AsyncSession, user: CurrentUser | None, student_id: int, day: date) -> None:
    """A parent reaches only their own children: another family's child is a 404, like a missing one."""
    school_id = current_school(user)
    assert user is not None
    if student_id not in await own_children(session, user.id, school_id, day):
        raise NotFoundException()


async def led_classes(session: AsyncSession, teacher_id: int, school_id: int, day: date) -> list[int]:
    """Classes the person is class teacher of on the day."""
    return list((await session.execute(
        select(ClassTeacherAppointment.class_group_id).where(
            ClassTeacherAppointment.teacher_id == teacher_id, ClassTeacherAppointment.school_id == school_id,
            active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, day))
        .order_by(ClassTeacherAppointment.class_group_id))).scalars())


async def taught_pages(session: AsyncSession, teacher_id: int, school_id: int, day: date) -> list[int]:
    """Subject pages the person teaches on the day (their teaching assignments)."""
    return list((await session.execute(
        select(TeachingAssignment.subject_page_id).join(SubjectPage, SubjectPage.id == TeachingAssignment.subject_page_id)
        .where(TeachingAssignment.teacher_id == teacher_id, SubjectPage.school_id == school_id,
               active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, day))
        .distinct().order_by(TeachingAssignment.subject_page_id))).scalars())


async def require_taught_page(session: AsyncSession, user: CurrentUser | None, page_id: int, day: date) -> None:
    """A teacher writes only on their own pages, as of the lesson's day."""
    school_id = current_school(user)
    assert user is not None
    if page_id not in await taught_pages(session, user.id, school_id, day):
        raise NotFoundException()


async def require_led_class(session: AsyncSession, user: CurrentUser | None, class_id: int, day: date) -> None:
    """A class teacher keeps the data of their own class only."""
    school_id = current_school(user)
    assert user is not None
    if class_id not in await led_classes(session, user.id, school_id, day):
        raise NotFoundException()
