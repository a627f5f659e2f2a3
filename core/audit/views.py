"""«Who viewed my child's data»: staff opening a person's card, a class's list or summaries, or a
subject page's journal are noted (``note_view``), and a parent or a student sees who looked at
their records and their classes' (``views_of``).

A family's own looks are not noted. Looks are counted per viewer, object, purpose and day, in one
statement of a short transaction of their own (the page itself only reads).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import STAFF
from core.audit.models import DataView
from core.auth.models import RoleGrant, UserAccount
from core.db.types import utcnow
from core.people.models import Enrollment, Guardianship
from core.school.models import School
from core.structure.models import ClassGroup, StudyGroupMember, Subject, SubjectPage

log = logging.getLogger("zhurnal.views")
VIEW_KINDS = ("person", "class", "page")
KEPT_DAYS = 365
SHOWN = 300  # the newest looks on the page


_ZONES: dict[int, str] = {}  # a school's time zone, read once per process (it does not change in practice)


async def note_view(platform: Any, viewer: Any, *, kind: str, object_id: int, what: str) -> None:
    """Count one look of ``viewer`` (the current user) at the object, if they are staff. Best
    effort: a busy database costs the count, never the page."""
    if kind not in VIEW_KINDS:
        raise ValueError(f"view kind must be one of {VIEW_KINDS}")
    if viewer is None or viewer.school_id is None or not viewer.roles & STAFF:
        return
    try:
        async with platform.db.writing() as session:
            await _count(session, viewer, kind, object_id, what)
    except SQLAlchemyError:
        log.warning("could not count a look at %s %s by %s", kind, object_id, viewer.id, exc_info=True)


async def _count(session: AsyncSession, viewer: Any, kind: str, object_id: int, what: str) -> None:
    zone = _ZONES.get(viewer.school_id)
    if zone is None:
        zone = _ZONES[viewer.school_id] = await session.scalar(select(School.timezone).where(School.id == viewer.school_id)) or "UTC"
    now = utcnow()
    values = {"school_id": viewer.school_id, "kind": kind, "object_id": object_id, "viewer_id": viewer.id, "what": what[:100],
              "day": now.astimezone(ZoneInfo(zone)).date(), "first_at": now, "last_at": now, "times": 1}
    insert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(DataView).values(**values)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["school_id", "kind", "object_id", "viewer_id", "what", "day"],
        set_={"last_at": statement.excluded.last_at, "times": DataView.times + 1}))


async def forget_old_views(session: AsyncSession, now: datetime) -> int:
    done = await session.execute(delete(DataView).where(DataView.day < (now - timedelta(days=KEPT_DAYS)).date()))
    return done.rowcount or 0


@dataclass(frozen=True)
class ViewLine:
    last_at: datetime
    day: date
    times: int
    viewer: str
    roles: tuple[str, ...]
    what: str  # an English msgid
    about: str  # «5А», «математика, 5А» or the person's name


async def views_of(session: AsyncSession, school_id: int, person_id: int, since: date) -> list[ViewLine]:
    """Looks since ``since`` at the person's card, and at the classes and pages they studied in
    while they studied there (a class list a year before the child came is other children's).
    Five statements: classes, groups, pages, looks, the viewers' roles."""
    stays = (await session.execute(
        select(ClassGroup.id, ClassGroup.grade_level, ClassGroup.letter, Enrollment.starts_on, Enrollment.ends_on)
        .join(Enrollment, Enrollment.class_group_id == ClassGroup.id)
        .where(Enrollment.student_id == person_id, Enrollment.school_id == school_id,
               or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= since)))).all()
    classes = {row.id: f"{row.grade_level}{row.letter}" for row in stays}
    memberships = (await session.execute(
        select(StudyGroupMember.study_group_id, StudyGroupMember.starts_on, StudyGroupMember.ends_on)
        .where(StudyGroupMember.student_id == person_id, or_(StudyGroupMember.ends_on.is_(None), StudyGroupMember.ends_on >= since)))).all()
    pages = (await session.execute(
        select(SubjectPage.id, SubjectPage.class_group_id, SubjectPage.study_group_id, Subject.name)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .where(SubjectPage.school_id == school_id, or_(SubjectPage.class_group_id.in_(classes),
                                                       SubjectPage.study_group_id.in_([m.study_group_id for m in memberships]))))).all()
    while_there = [_within(DataView.kind == "class", DataView.object_id == row.id, row.starts_on, row.ends_on) for row in stays]
    for page in pages:
        spans = ([(row.starts_on, row.ends_on) for row in stays if row.id == page.class_group_id] if page.class_group_id
                 else [(m.starts_on, m.ends_on) for m in memberships if m.study_group_id == page.study_group_id])
        while_there += [_within(DataView.kind == "page", DataView.object_id == page.id, start, end) for start, end in spans]
    rows = (await session.execute(
        select(DataView, UserAccount.full_name).join(UserAccount, UserAccount.id == DataView.viewer_id)
        .where(DataView.school_id == school_id, DataView.day >= since, DataView.viewer_id != person_id,
               or_(and_(DataView.kind == "person", DataView.object_id == person_id), *while_there))
        .order_by(DataView.last_at.desc()).limit(SHOWN))).all()
    roles: dict[int, list[str]] = {}
    for user_id, role in await session.execute(
            select(RoleGrant.user_id, RoleGrant.role).where(RoleGrant.school_id == school_id,
                                                            RoleGrant.user_id.in_({view.viewer_id for view, _name in rows}))):
        if role in STAFF:
            roles.setdefault(user_id, []).append(role)
    names = {("class", cid): name for cid, name in classes.items()}
    names.update({("page", page.id): f"{page.name}, {classes[page.class_group_id]}" if page.class_group_id in classes else page.name
                  for page in pages})
    return [ViewLine(view.last_at, view.day, view.times, name, tuple(sorted(roles.get(view.viewer_id, ()))), view.what,
                     names.get((view.kind, view.object_id), "")) for view, name in rows]


def _within(kind: Any, object_: Any, starts_on: date, ends_on: date | None) -> Any:
    condition = and_(kind, object_, DataView.day >= starts_on)
    return condition if ends_on is None else and_(condition, DataView.day <= ends_on)


async def family_of(session: AsyncSession, user_id: int, day: date) -> list[tuple[int, str]]:
    """(id, name) of the person and the children they represent on ``day``."""
    children = (await session.execute(
        select(UserAccount.id, UserAccount.full_name).join(Guardianship, Guardianship.student_id == UserAccount.id)
        .where(Guardianship.guardian_id == user_id, or_(Guardianship.starts_on.is_(None), Guardianship.starts_on <= day),
               or_(Guardianship.ends_on.is_(None), Guardianship.ends_on >= day)).order_by(UserAccount.full_name))).all()
    own = (await session.execute(select(UserAccount.id, UserAccount.full_name).where(UserAccount.id == user_id))).one()
    return [(row.id, row.full_name) for row in children] + [(own.id, own.full_name)]
