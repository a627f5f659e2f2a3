"""The demo's people, so far: the demo student in 5А (with a group and an order) and the demo
parent as the student's mother. The full class lists come with the class-list import."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.people.models import PersonProfile
from core.people.services import PeopleService, search_key
from core.structure.demo import first_account_with_role
from core.structure.models import AcademicYear, ClassGroup


async def seed_people(session: AsyncSession, school_id: int, year: AcademicYear) -> None:
    demo = {role: await first_account_with_role(session, school_id, role) for role in ("student", "parent")}
    if demo["student"] is None:
        return
    class_5a = await session.scalar(select(ClassGroup).where(ClassGroup.academic_year_id == year.id,
                                                             ClassGroup.grade_level == 5, ClassGroup.letter == "А"))
    people = PeopleService(session, school_id)
    for user_id, names in ((demo["student"], ("Петров", "Илья", "")), (demo["parent"], ("Петрова", "Анна", "Игоревна"))):
        if user_id is not None:
            session.add(PersonProfile(user_id=user_id, last_name=names[0], first_name=names[1], middle_name=names[2],
                                      search_key=search_key(*names)))
    await session.flush()
    await people.enroll(demo["student"], class_5a, starts_on=year.starts_on, order_number="112-у",
                        order_date=date(year.starts_on.year, 8, 29))
    if demo["parent"] is not None:
        await people.add_guardian(demo["student"], demo["parent"], kind="mother")
