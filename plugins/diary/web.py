"""The diary's pages: a student's week, and a parent's choice of child."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import select

from core.auth.services import CurrentUser
from core.audit.log import record
from core.people.consent import refused
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import format_date, format_datetime
from core.i18n import gettext as _
from core.platform import Platform
from core.school.models import School
from core.plugins.types import DiaryEntry, DiarySubjectMarks, NavItem
from core.web.guards import MAX_ID
from core.web.pages import flash, redirect, render
from core.web.sessions import current_user
from core.structure.common import school_today
from core.web.structure.common import school_day
from core.web.timetable.common import asked_day, next_school_day
from plugins.diary.family import Child, child_of, children_of
from plugins.diary.feeds import active_feed, calendar_bytes, feed_entries, make_feed, owner_of, revoke
from plugins.diary.marks import subject_marks
from plugins.diary.periods import Period, chosen, periods_of
from plugins.diary.news import is_after, news_range, news_since, visit
from plugins.diary.permissions import MANAGE_REFUSALS, VIEW
from plugins.diary.refusal_pages import REFUSAL_ROUTES, refusal_gate
from plugins.diary.week import arrange, days_off, diary_entries, monday_of

VIEW_OPT = {"permission": VIEW}
CSS = "diary/diary.css"


def diary_nav(platform: Any, user: CurrentUser | None) -> list[NavItem]:
    if user is None or user.school_id is None:
        return []
    items = []
    if platform.permissions.allows(user.roles, VIEW):
        items.append(NavItem(id="diary", label=_("Diary"), url="/diary/home", section=20, order=5))
    if platform.permissions.allows(user.roles, MANAGE_REFUSALS):
        items.append(NavItem(id="diary-refusals", label=_("Diary refusals"), url="/diary/refusals", section=80, order=40))
    return items


def _user(request: Request) -> CurrentUser:
    user = current_user(request)
    if user is None or user.school_id is None:
        raise NotFoundException()
    return user


@get("/home", name="diary:home", opt=VIEW_OPT, before_request=refusal_gate)
async def diary_home(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """A student's own week; a parent's first child's (the others a tap away)."""
    user = _user(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        children = await children_of(session, user, today)
    if children:
        return redirect(request, f"/diary/students/{children[0].id}")
    return await render(request, "diary/none.html", {"page_title": _("Diary"), "extra_css": CSS})


@get("/students/{student_id:int}", name="diary:week", opt=VIEW_OPT, before_request=refusal_gate)
async def diary_week(request: Request, student_id: FromPath[int], platform: NamedDependency[Platform],
                     week: FromQuery[str] = "") -> Response[str]:
    """The week's days with each lesson's time, subject, teacher, room, topic, homework, marks and
    attendance; substitutions and cancellations shown; previous and next week through htmx."""
    user, child, children, today, timezone = await _child(request, platform, student_id)
    default = monday_of(next_school_day(today))  # on Sunday, the coming week
    day, error = asked_day(week, default)
    monday = monday_of(day)
    sunday = monday + timedelta(days=6)
    since = await visit(platform, user, child.id)
    current = monday == default  # the current week's page also lists what is new
    async with platform.db.reading() as session:
        off = await days_off(session, user.school_id or 0, child.grade_level, monday, sunday)
    entries = await diary_entries(platform, user, child.id, monday, sunday)
    older = await diary_entries(platform, user, child.id, *news_range(monday)) if current and since else []
    values = {"child": child, "children": children, "week": arrange(monday, entries, off),
              "news": news_since(older + entries, since) if current else [],
              "since": format_datetime(since, timezone, "d MMMM, HH:mm") if since else "", "is_new": _news_test(since),
              "today": today, "default": default, "error": error, "day_name": _day_name, "tab": "week",
              "page_title": _("Diary"), "extra_css": CSS}
    return await render(request, "diary/week.html", values, partial=("diary/_week.html", "diary-week"))


HOMEWORK_AHEAD = timedelta(days=14)  # homework due in the coming two weeks
HOMEWORK_BACK = timedelta(days=21)  # set on lessons of the last three weeks


@get("/students/{student_id:int}/homework", name="diary:homework", opt=VIEW_OPT, before_request=refusal_gate)
async def diary_homework(request: Request, student_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """Homework due from today on, by the day it is due."""
    user, child, children, today, _zone = await _child(request, platform, student_id)
    entries = await diary_entries(platform, user, child.id, today - HOMEWORK_BACK, today + HOMEWORK_AHEAD)
    due: dict[date, list[DiaryEntry]] = {}
    for entry in entries:
        when = entry.homework_due or entry.day
        if entry.homework and not entry.cancelled and today <= when <= today + HOMEWORK_AHEAD:
            due.setdefault(when, []).append(entry)
    return await render(request, "diary/homework.html", {
        "child": child, "children": children, "due": sorted(due.items()), "today": today, "tab": "homework",
        "day_name": _day_name, "page_title": _("Homework due"), "extra_css": CSS})


@get("/students/{student_id:int}/attendance", name="diary:attendance", opt=VIEW_OPT, before_request=refusal_gate)
async def diary_attendance(request: Request, student_id: FromPath[int], platform: NamedDependency[Platform],
                           period: FromQuery[int | None] = None) -> Response[str]:
    """The study period's absences and lateness, with the reasons the class teacher entered."""
    user, child, children, today, _zone = await _child(request, platform, student_id)
    shown, periods = await _period(platform, user, child, today, period)
    entries = [] if shown is None else [
        entry for entry in await diary_entries(platform, user, child.id, shown.starts_on, min(shown.ends_on, today))
        if entry.attendance]
    return await render(request, "diary/attendance.html", {
        "child": child, "children": children, "periods": periods, "period": shown, "entries": entries, "today": today,
        "tab": "attendance", "excused": sum(entry.excused for entry in entries), "page_title": _("Attendance"),
        "extra_css": CSS})


@get("/students/{student_id:int}/marks", name="diary:marks", opt=VIEW_OPT, before_request=refusal_gate)
async def diary_marks(request: Request, student_id: FromPath[int], platform: NamedDependency[Platform],
                      period: FromQuery[int | None] = None) -> Response[str]:
    """Every subject of the study period: its marks, the weighted average and the period's mark."""
    user, child, children, today, _zone = await _child(request, platform, student_id)
    shown, periods = await _period(platform, user, child, today, period)
    subjects = [] if shown is None else await subject_marks(platform, user, child.id, shown)
    since = await visit(platform, user, child.id)
    return await render(request, "diary/marks.html", {
        "child": child, "children": children, "periods": periods, "period": shown, "subjects": subjects,
        "is_new": _news_test(since),
        "tab": "marks", "page_title": _("Marks"), "extra_css": CSS})


@get("/students/{student_id:int}/marks/{subject_id:int}", name="diary:subject", opt=VIEW_OPT, before_request=refusal_gate)
async def diary_subject(request: Request, student_id: FromPath[int], subject_id: FromPath[int],
                        platform: NamedDependency[Platform], period: FromQuery[int | None] = None) -> Response[str]:
    """One subject's marks of the period with their days and kinds of work, the average with its
    formula explained, and the period's, the year's and the final marks. A period the subject is
    not studied in leads to that period's subjects."""
    user, child, children, today, _zone = await _child(request, platform, student_id)
    shown, periods = await _period(platform, user, child, today, period)
    found = None if shown is None else next(
        (line for line in await subject_marks(platform, user, child.id, shown) if line.subject_id == subject_id), None)
    if found is None and period is not None and shown is not None:  # not studied in that period: its subjects instead
        return redirect(request, f"/diary/students/{child.id}/marks?period={shown.id}")
    if found is None:
        raise NotFoundException()
    since = await visit(platform, user, child.id)
    return await render(request, "diary/subject.html", {
        "is_new": _news_test(since),
        "child": child, "children": children, "periods": periods, "period": shown, "subject": found,
        "finals": _finals(found, periods), "tab": "marks",
        "page_title": found.subject, "extra_css": CSS})


def _finals(subject: DiarySubjectMarks, periods: list[Period]) -> list[tuple[str, str]]:
    """The final marks given so far, labelled: each period's, the year's, the exam's, the certificate's."""
    given = dict(subject.period_marks)
    labelled = [(period.name, given.get(period.id, "")) for period in periods]
    labelled += [(_("School year"), subject.year_mark), (_("Exam"), subject.exam_mark),
                 (_("Final (certificate)"), subject.final_mark)]
    return [(label, mark) for label, mark in labelled if mark]


async def _period(platform: Platform, user: CurrentUser, child: Child, today: date,
                  asked: int | None) -> tuple[Period | None, list[Period]]:
    """The study period asked for (404 when it is not one of the child's), else the current one."""
    async with platform.db.reading() as session:
        periods = await periods_of(session, user.school_id or 0, child.grade_level, today)
    shown = chosen(periods, asked, today)
    if asked is not None and shown is None:
        raise NotFoundException()
    return shown, periods


async def _child(request: Request, platform: Platform,
                 student_id: int) -> tuple[CurrentUser, Child, list[Child], date, str]:
    """The signed-in person, the child asked for (404 when not theirs), all their children, the
    school's today and its time zone."""
    user = _user(request)
    if not 1 <= student_id <= MAX_ID:
        raise NotFoundException()
    async with platform.db.reading() as session:
        timezone = await session.scalar(select(School.timezone).where(School.id == user.school_id)) or "UTC"
        today = school_today(timezone)
        child, children = await child_of(session, user, student_id, today)
    return user, child, children, today, timezone


def _news_test(since: Any) -> Any:
    """The templates' test of a mark's or an absence's time: posted since the last visit."""
    return lambda moment: is_after(moment, since)


def _day_name(value: date) -> str:
    return format_date(value, "EEEE")


@get("/students/{student_id:int}/calendar", name="diary:calendar", opt=VIEW_OPT, before_request=refusal_gate)
async def diary_calendar(request: Request, student_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """The student's private calendar address: whether it is on, making a new one, turning it off."""
    user, child, children, today, _zone = await _child(request, platform, student_id)
    async with platform.db.reading() as session:
        feed = await active_feed(session, user, child.id)
    return await _calendar_page(request, child, children, feed, None)


async def _calendar_page(request: Request, child: Child, children: list[Child], feed: Any, address: str | None) -> Response[str]:
    return await render(request, "diary/calendar.html", {
        "child": child, "children": children, "feed": feed, "address": address, "tab": "calendar",
        "page_title": _("Calendar"), "extra_css": CSS})


@dataclass
class CalendarForm:
    action: str = ""


@post("/students/{student_id:int}/calendar", name="diary:calendar_save", opt=VIEW_OPT, before_request=refusal_gate)
async def diary_calendar_save(request: Request, student_id: FromPath[int], platform: NamedDependency[Platform],
                              data: URLEncodedBody[CalendarForm]) -> Response[str]:
    """Make a new address (the old one stops working at once) and show it this once; or turn the feed off."""
    user, child, children, today, _zone = await _child(request, platform, student_id)
    if data.action not in ("make", "revoke"):
        raise NotFoundException()
    if data.action == "make":
        async with platform.db.reading() as session:
            if await refused(session, child.id, "calendar", today):
                flash(request, _("The written consent to the processing of the child's data does not cover the calendar "
                                 "feed. Ask the school's secretary to record a new consent."), "error")
                return redirect(request, f"/diary/students/{child.id}/calendar")
    async with platform.db.writing() as session:
        if data.action == "make":
            token = await make_feed(session, user, child.id)
            record(session, "diary.feed_made", connection=request, object_type="diary_feed", object_id=child.id)
        else:
            token = None
            if await revoke(session, user, child.id):
                record(session, "diary.feed_revoked", connection=request, object_type="diary_feed", object_id=child.id)
        feed = await active_feed(session, user, child.id)
    if token is None:
        flash(request, _("The calendar address is turned off: calendars subscribed to it get nothing more."))
        return redirect(request, f"/diary/students/{child.id}/calendar")
    address = str(request.base_url).rstrip("/") + f"/diary/calendar/{token}.ics"
    return await _calendar_page(request, child, children, feed, address)


@get("/calendar/{token:str}", name="diary:feed", opt={"public": True, "sessionless": True}, media_type="text/calendar")
async def diary_feed(token: FromPath[str], platform: NamedDependency[Platform]) -> Response[bytes]:
    """The private feed itself: no session, the token is the key; an unknown or revoked one is a 404."""
    if not token.endswith(".ics"):
        raise NotFoundException()
    async with platform.db.reading() as session:
        owner = await owner_of(session, token.removesuffix(".ics"))
    if owner is None:
        raise NotFoundException()
    content = calendar_bytes(owner, await feed_entries(platform, owner))
    return Response(content, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, no-store", "Content-Disposition": 'inline; filename="diary.ics"'})


ROUTES = [diary_home, diary_week, diary_homework, diary_marks, diary_subject, diary_attendance, diary_calendar,
          diary_calendar_save, diary_feed, *REFUSAL_ROUTES]
