"""The demo school's notice board: the director's pinned notice for everyone, the deputy's for the
parents and students of grades 5–7 and for the staff, the 5А class teacher's for the class's parents;
automatic notices of timetable changes switched on. Published through the same code as the pages."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RoleGrant, UserAccount
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.school.models import School
from core.structure.common import active_on, school_today
from core.structure.models import ClassGroup, ClassTeacherAppointment
from plugins.noticeboard.audience import Target
from plugins.noticeboard.models import NoticeboardSettings
from plugins.noticeboard.notices import NoticeInput, NoticeService

# (role of the author, title, text, targets as (scope, people, grade levels or None), days ago, pinned)
NOTICES = (
    ("director", "Режим работы школы в зимние каникулы",
     "<p>С 29 декабря по 11 января школа работает с 9:00 до 15:00, <b>вход только по пропускам</b>.</p>"
     "<p>Дежурный администратор: 8 (34385) 6-12-34.</p>", (("school", "everyone", None),), 3, True),
    ("deputy", "Школьный этап олимпиады по математике",
     "Олимпиада для 5–7 классов пройдёт в четверг на 6-м уроке в кабинетах 21 и 23.\n\n"
     "Задания прошлых лет: https://olimpiada.example/matematika", (("grade_level", "students", 5), ("grade_level", "parents", 5),
                                                                    ("grade_level", "students", 6), ("grade_level", "students", 7)), 1, False),
    ("deputy", "Педагогический совет",
     "<p>Педсовет по итогам первого полугодия — в пятницу в 14:30 в актовом зале.</p><ul><li>успеваемость;</li>"
     "<li>подготовка к ВПР.</li></ul>", (("school", "staff", None),), 2, False),
)
MEETING = ("Родительское собрание 5А",
           "Уважаемые родители! Собрание состоится в среду в 18:00 в кабинете 21.\n\nТема: итоги первого полугодия, "
           "поездка в музей.")


async def seed_notices(platform: Any, session: AsyncSession, school: School, rng: random.Random) -> None:
    today = school_today(school.timezone)
    session.add(NoticeboardSettings(school_id=school.id, auto_timetable=True))
    for role, title, body, targets, days_ago, pinned in NOTICES:
        author = await _first_with(session, school.id, role)
        if author is None:
            continue
        wanted = NoticeInput(title, body, tuple(Target(scope, people, level) for scope, people, level in targets),
                             publish_at=utcnow() - timedelta(days=days_ago, hours=2), pinned=pinned)
        await NoticeService(session, author, today).publish(wanted)
    class_teacher = (await session.execute(
        select(ClassTeacherAppointment.teacher_id, UserAccount.full_name, ClassGroup.id)
        .join(ClassGroup, ClassGroup.id == ClassTeacherAppointment.class_group_id)
        .join(UserAccount, UserAccount.id == ClassTeacherAppointment.teacher_id)
        .where(ClassTeacherAppointment.school_id == school.id, ClassGroup.grade_level == 5, ClassGroup.letter == "А",
               active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, today)))).first()
    if class_teacher is not None:
        teacher_id, name, class_id = class_teacher
        author = CurrentUser(id=teacher_id, login="", full_name=name, session_id="", school_id=school.id,
                             roles=frozenset({"teacher", "class_teacher"}))
        await NoticeService(session, author, today).publish(NoticeInput(
            *MEETING, (Target("class", "parents", class_id),), publish_at=utcnow() - timedelta(hours=5)))


async def _first_with(session: AsyncSession, school_id: int, role: str) -> CurrentUser | None:
    row = (await session.execute(select(UserAccount.id, UserAccount.full_name).join(RoleGrant, RoleGrant.user_id == UserAccount.id)
                                 .where(RoleGrant.school_id == school_id, RoleGrant.role == role).order_by(UserAccount.id))).first()
    if row is None:
        return None
    return CurrentUser(id=row[0], login="", full_name=row[1], session_id="", school_id=school_id, roles=frozenset({role}))
