"""Creating and finding schools."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.events import SchoolCreated, emit
from core.school.models import School
from core.structure.organisation import OrganisationService


class SchoolError(ValueError):
    """Input a school cannot be created from; the message is shown to the person."""


class SchoolService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, *, name: str, short_name: str, timezone: str) -> School:
        """Add a school (flushed, not committed) and emit ``SchoolCreated``."""
        name, short_name, timezone = name.strip(), short_name.strip(), timezone.strip()
        if not name or not short_name:
            raise SchoolError("school name and short name must not be empty")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SchoolError(f"unknown time zone {timezone!r}; use an IANA name such as Asia/Yekaterinburg") from None
        school = School(name=name, short_name=short_name, timezone=timezone)
        self.session.add(school)
        await self.session.flush()
        await OrganisationService(self.session, school.id).add_default_subjects()  # the school edits the list later
        emit(self.session, SchoolCreated(school_id=school.id, school_name=school.short_name))
        return school

    async def list(self) -> list[School]:
        return list((await self.session.execute(select(School).order_by(School.id))).scalars())
