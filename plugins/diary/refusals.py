"""Parents' written refusals of the e-diary service (regulation 4.7): the journal administrator
records the application (its date and document) and, on a later application, its withdrawal.

While a refusal stands, the parent sees an explanation instead of the diary and has no calendar
feed (recording it turns their feeds off: withdrawing it does not bring old addresses back). A
refusal is the parent's own: their children keep their diaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RoleGrant, UserAccount
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.i18n import folded
from core.i18n import gettext as _
from plugins.diary.models import DiaryFeed, DiaryRefusal

DOCUMENT_MAX = 300
FOUND_MAX = 20  # parents a search lists


class RefusalError(ValueError):
    """Nothing was saved; ``errors`` maps each form field to a translated message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


async def standing_refusal(session: AsyncSession, school_id: int, parent_id: int) -> DiaryRefusal | None:
    """The parent's refusal that stands in the school: one statement."""
    return await session.scalar(select(DiaryRefusal).where(
        DiaryRefusal.school_id == school_id, DiaryRefusal.parent_id == parent_id, DiaryRefusal.withdrawn_on.is_(None)))


@dataclass(frozen=True)
class RefusalLine:
    refusal: DiaryRefusal
    parent: str
    recorded_by: str
    withdrawn_by: str


async def school_refusals(session: AsyncSession, school_id: int) -> list[RefusalLine]:
    """Every refusal of the school, standing ones first, then the latest: one statement."""
    recorder, withdrawer = UserAccount.__table__.alias("recorder"), UserAccount.__table__.alias("withdrawer")
    rows = (await session.execute(
        select(DiaryRefusal, UserAccount.full_name, recorder.c.full_name, withdrawer.c.full_name)
        .join(UserAccount, UserAccount.id == DiaryRefusal.parent_id)
        .outerjoin(recorder, recorder.c.id == DiaryRefusal.recorded_by)
        .outerjoin(withdrawer, withdrawer.c.id == DiaryRefusal.withdrawn_by)
        .where(DiaryRefusal.school_id == school_id)
        .order_by(DiaryRefusal.withdrawn_on.is_not(None), DiaryRefusal.refused_on.desc(), DiaryRefusal.id.desc()))).all()
    return [RefusalLine(refusal, parent, recorded or "", withdrawn or "") for refusal, parent, recorded, withdrawn in rows]


@dataclass(frozen=True)
class ParentFound:
    id: int
    name: str
    refused: bool


def _school_parents(school_id: int) -> Any:
    """SQL: the school's parents, id and name."""
    return select(UserAccount.id, UserAccount.full_name).join(
        RoleGrant, (RoleGrant.user_id == UserAccount.id) & (RoleGrant.school_id == school_id) & (RoleGrant.role == "parent"))


async def find_parents(session: AsyncSession, school_id: int, query: str) -> list[ParentFound]:
    """The school's parents whose name holds ``query`` (any case, ё as е): one statement. Names
    are matched here, not in SQL: SQLite folds only Latin letters, and a school has at most a few
    thousand parents."""
    key = folded(" ".join(query.split()))
    if len(key) < 2:
        return []
    standing = select(DiaryRefusal.id).where(DiaryRefusal.school_id == school_id,
                                             DiaryRefusal.parent_id == UserAccount.id,
                                             DiaryRefusal.withdrawn_on.is_(None)).exists()
    rows = (await session.execute(_school_parents(school_id).add_columns(standing))).all()
    found = sorted((row for row in rows if key in folded(row[1])), key=lambda row: (folded(row[1]), row[0]))
    return [ParentFound(*row) for row in found[:FOUND_MAX]]


async def parent_by_id(session: AsyncSession, school_id: int, parent_id: int) -> ParentFound | None:
    """A parent of the school by id (the form being corrected): one statement."""
    row = (await session.execute(_school_parents(school_id).where(UserAccount.id == parent_id))).first()
    return None if row is None else ParentFound(row[0], row[1], False)


RECORD_FIELDS = ("on", "document")  # the form fields of an application's date and document
WITHDRAWAL_FIELDS = ("withdrawn_on", "withdrawal_document")


def _checked(on: date | None, document: str, today: date, fields: tuple[str, str], *,
             not_before: date | None = None) -> dict[str, str]:
    errors, (on_field, document_field) = {}, fields
    if on is None:
        errors[on_field] = _("Give the application's date.")
    elif on > today:
        errors[on_field] = _("The application's date cannot be in the future.")
    elif not_before is not None and on < not_before:
        errors[on_field] = _("The withdrawal cannot be dated before the refusal (%(day)s).",
                             day=not_before.strftime("%d.%m.%Y"))
    if not document.strip():
        errors[document_field] = _("Name the written application (its number or how it was registered).")
    elif any(ord(char) < 32 and char not in "\t\n\r" for char in document):
        errors[document_field] = _("The text holds control characters; type it again.")
    elif len(document.strip()) > DOCUMENT_MAX:
        errors[document_field] = _("At most %(count)d characters.", count=DOCUMENT_MAX)
    return errors


async def record_refusal(session: AsyncSession, user: CurrentUser, parent_id: int, on: date | None, document: str,
                         today: date) -> DiaryRefusal:
    """Record a parent's refusal and turn their calendar feeds in the school off."""
    school_id = user.school_id or 0
    is_parent = await parent_by_id(session, school_id, parent_id) is not None
    errors = {} if is_parent else {"parent": _("Choose a parent of this school.")}
    if is_parent and await standing_refusal(session, school_id, parent_id) is not None:
        errors["parent"] = _("This parent's refusal is already recorded.")
    errors.update(_checked(on, document, today, RECORD_FIELDS))
    if errors:
        raise RefusalError(errors)
    refusal = DiaryRefusal(school_id=school_id, parent_id=parent_id, refused_on=on, document=document.strip(),
                           recorded_by=user.id)
    session.add(refusal)
    await session.execute(update(DiaryFeed).where(
        DiaryFeed.school_id == school_id, DiaryFeed.user_id == parent_id, DiaryFeed.student_id != parent_id,
        DiaryFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    await session.flush()
    return refusal


async def withdraw_refusal(session: AsyncSession, user: CurrentUser, refusal_id: int, on: date | None, document: str,
                           today: date) -> DiaryRefusal | None:
    """Record the withdrawal of a standing refusal of the school; None when there is no such refusal."""
    refusal = await session.scalar(select(DiaryRefusal).where(
        DiaryRefusal.id == refusal_id, DiaryRefusal.school_id == user.school_id, DiaryRefusal.withdrawn_on.is_(None))
        .with_for_update())
    if refusal is None:
        return None
    errors = _checked(on, document, today, WITHDRAWAL_FIELDS, not_before=refusal.refused_on)
    if errors:
        raise RefusalError(errors)
    refusal.withdrawn_on, refusal.withdrawal_document = on, document.strip()
    refusal.withdrawn_by, refusal.withdrawn_at = user.id, utcnow()
    return refusal
