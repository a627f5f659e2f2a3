"""The timetable as people read it: the whole school's day, and the week of a class, a teacher or a
room, with the day's changes marked in place (a substitute's week shows the lessons they take over;
the absent teacher's shows who gives theirs). Every member of staff reads every timetable of their
school; the weeks answer 404 for another school's class, teacher or room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Callable
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RoleGrant, UserAccount
from core.di import FromPath, NamedDependency
from core.platform import Platform
from core.structure.common import TEACHING_ROLES, owned
from core.structure.models import ClassGroup
from core.timetable.lessons import Lesson, TimetableData, load_timetable, monday_of
from core.timetable.models import Room
from core.web.pages import redirect, render
from core.web.sessions import current_user
from core.web.structure.common import query_id, school_day
from core.web.timetable.common import VIEW, next_school_day, WeekGrid, asked_day, school_of, timetable_context, week_grid

TEMPLATES = "core/timetable/"
WeekParam = Annotated[str, QueryParameter(name="week")]
OpenParam = Annotated[str, QueryParameter(name="open")]
DayParam = Annotated[str, QueryParameter(name="day")]


@dataclass
class Week:
    """The week asked for (its Monday), today, and the message when the address held no date."""

    monday: date
    today: date
    error: str

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


async def week_of(session: AsyncSession, school_id: int, text: str) -> Week:
    today = await school_day(session, school_id)
    day, error = asked_day(text, next_school_day(today))
    return Week(monday_of(day), today, error)


async def week_page(request: Request, platform: Platform, week_text: str, *, base_url: str, title: Callable[[Any], str],
                    show: str, find: Callable[[AsyncSession, int], Any], shown: Callable[[Any], Callable[[Lesson], bool]],
                    shifts: Callable[[Any], tuple[int, ...]] = lambda _: (), chosen: str = "", mine: bool = False) -> Response[str]:
    """A week grid of the object ``find`` returns (404 when it is not the school's). ``chosen``:
    the chooser's pick (``?open=<id>``), answered with the way to that object's week."""
    if query_id(chosen):
        return redirect(request, f"{base_url.rsplit('/', 1)[0]}/{query_id(chosen)}?week={quote(week_text)}")
    school_id = school_of(request)
    async with platform.db.reading() as session:
        found = await find(session, school_id)
        week = await week_of(session, school_id, week_text)
        data = await load_timetable(session, school_id, week.monday, week.monday + timedelta(days=6))
        choices = await _choices(session, school_id, show, data)
    grid: WeekGrid = week_grid(data, week.monday, shown(found), shifts=shifts(found),
                               grade_level=getattr(found, "grade_level", None))
    return await render(request, TEMPLATES + "week.html", timetable_context(
        request, "week", title=title(found), grid=grid, data=data, show=show, week=week, found=found, choices=choices,
        base_url=base_url, mine=mine))


async def _choices(session: AsyncSession, school_id: int, show: str, data: TimetableData) -> list[tuple[int, str]]:
    """What the week's chooser offers: the year's classes, the teaching staff or the rooms."""
    if show == "class":
        return [(c.id, c.name) for c in data.classes.values()]
    if show == "room":
        return [(room.id, room.name) for room in data.rooms.values() if not room.is_archived]
    return [(row.id, row.full_name) for row in (await session.execute(
        select(UserAccount.id, UserAccount.full_name).where(UserAccount.id.in_(
            select(RoleGrant.user_id).where(RoleGrant.school_id == school_id, RoleGrant.role.in_(TEACHING_ROLES))))
        .order_by(UserAccount.full_name))).all()]


async def _teacher(session: AsyncSession, school_id: int, teacher_id: int) -> UserAccount:
    """A teacher of the school: one holding a teaching role there (else 404, as for a missing one)."""
    teaches = await session.scalar(select(RoleGrant.id).where(
        RoleGrant.user_id == teacher_id, RoleGrant.school_id == school_id, RoleGrant.role.in_(TEACHING_ROLES)).limit(1))
    account = await session.get(UserAccount, teacher_id) if teaches else None
    if account is None:
        raise NotFoundException()
    return account


def teacher_lessons(teacher_id: int) -> Callable[[Lesson], bool]:
    """The teacher's lessons, and theirs given by someone else (so they see who took them)."""
    return lambda lesson: lesson.teacher_id == teacher_id or lesson.planned_teacher_id == teacher_id


@get("/timetable/classes/{class_id:int}", name="core:timetable_class", opt=VIEW)
async def class_week(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                     week: WeekParam = "", chosen: OpenParam = "") -> Response[str]:
    async def find(session: AsyncSession, school_id: int) -> ClassGroup:
        return await owned(session, ClassGroup, class_id, school_id)
    return await week_page(request, platform, week, title=lambda c: c.name, show="class", find=find,
                           shown=lambda c: lambda lesson: c.id in lesson.page.class_ids, shifts=lambda c: (c.shift,),
                           base_url=f"/timetable/classes/{class_id}", chosen=chosen)


@get("/timetable/teachers/{teacher_id:int}", name="core:timetable_teacher", opt=VIEW)
async def teacher_week(request: Request, teacher_id: FromPath[int], platform: NamedDependency[Platform],
                       week: WeekParam = "", chosen: OpenParam = "") -> Response[str]:
    async def find(session: AsyncSession, school_id: int) -> UserAccount:
        return await _teacher(session, school_id, teacher_id)
    return await week_page(request, platform, week, title=lambda t: t.full_name, show="teacher", find=find,
                           shown=lambda t: teacher_lessons(t.id), base_url=f"/timetable/teachers/{teacher_id}",
                           chosen=chosen)


@get("/timetable/my", name="core:timetable_mine", opt=VIEW)
async def my_week(request: Request, platform: NamedDependency[Platform], week: WeekParam = "") -> Response[str]:
    """The signed-in teacher's own week (an empty grid for staff who give no lessons)."""
    user = current_user(request)
    assert user is not None

    async def find(session: AsyncSession, school_id: int) -> UserAccount:
        account = await session.get(UserAccount, user.id)
        assert account is not None
        return account
    return await week_page(request, platform, week, title=lambda t: t.full_name, show="teacher", find=find,
                           shown=lambda t: teacher_lessons(t.id), base_url="/timetable/my", mine=True)


@get("/timetable/rooms/{room_id:int}", name="core:timetable_room", opt=VIEW)
async def room_week(request: Request, room_id: FromPath[int], platform: NamedDependency[Platform],
                    week: WeekParam = "", chosen: OpenParam = "") -> Response[str]:
    async def find(session: AsyncSession, school_id: int) -> Room:
        return await owned(session, Room, room_id, school_id)
    return await week_page(request, platform, week, title=lambda r: r.name, show="room", find=find,
                           shown=lambda r: lambda lesson: lesson.room_id == r.id, base_url=f"/timetable/rooms/{room_id}",
                           chosen=chosen)


@dataclass
class DayRow:
    """A class's lessons of the day, by lesson number."""

    class_group: ClassGroup
    lessons: dict[int, list[Lesson]]
    day_off: str = ""


@get("/timetable", name="core:timetable_day", opt=VIEW)
async def school_day_page(request: Request, platform: NamedDependency[Platform], day: DayParam = "") -> Response[str]:
    """Every class's lessons of one day: a row per class, a column per lesson number."""
    school_id = school_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, school_id)
        shown_day, error = asked_day(day, next_school_day(today))
        data = await load_timetable(session, school_id, shown_day, shown_day)
    lessons = data.lessons_on(shown_day)
    year = data.year_of(shown_day)
    rows = []
    for class_group in (c for c in data.classes.values() if year is not None and c.academic_year_id == year.id):
        by_number: dict[int, list[Lesson]] = {}
        for lesson in lessons:
            if class_group.id in lesson.page.class_ids:
                by_number.setdefault(lesson.number, []).append(lesson)
        off = data.day_off(shown_day, class_group.grade_level)
        rows.append(DayRow(class_group, by_number, off.name if off else ""))
    numbers = sorted({lesson.number for lesson in lessons} | set(range(1, 7)))
    changes = sum(1 for lesson in lessons if lesson.change is not None and lesson.status != "moved_in")
    return await render(request, TEMPLATES + "day.html", timetable_context(
        request, "day", day=shown_day, today=today, date_error=error, rows=rows, numbers=numbers, data=data,
        year=year, changes=changes, lessons=lessons, previous=shown_day - timedelta(days=1), next=shown_day + timedelta(days=1)))


ROUTES = [school_day_page, class_week, teacher_week, my_week, room_week]
