"""The notice board's pages for readers: the board (what is meant for me, unread, my own notices,
the whole school's for the administration), a notice's page, its files, and the nav badge and
dashboard block that htmx refreshes in the background."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from sqlalchemy import select

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.di import FromPath, FromQuery, NamedDependency
from core.i18n import format_date, format_datetime
from core.i18n import gettext as _
from core.platform import Platform
from core.plugins.types import NavItem, Widget
from core.school.models import School
from core.structure.common import school_today
from core.web.pages import render, render_fragment
from core.web.sessions import current_user
from core.web.structure.common import query_id, school_day
from core.web.uploads import download, size_label
from plugins.noticeboard.audience import ANYONE, describe_targets
from plugins.noticeboard.models import NoticeboardNotice
from plugins.noticeboard.notices import BoardNotice, NoticeService, state_of
from plugins.noticeboard.permissions import MANAGE, POST, READ
from plugins.noticeboard.text import plain_excerpt

READ_OPT = {"permission": READ}
BACKGROUND_OPT = {"permission": READ, "background": True}
CSS = "noticeboard/noticeboard.css"
BADGE_URL = "/noticeboard/badge"
PAGE = 20
WIDGET_LINES = 5
SHOWS = ("", "unread", "mine", "school")  # for me; unread; my own in every state; the school's (the administration)


def page_user(request: Request) -> CurrentUser:
    user = current_user(request)
    if user is None or user.school_id is None:
        raise NotFoundException()
    return user


async def timezone_of(session: Any, user: CurrentUser) -> str:
    return await session.scalar(select(School.timezone).where(School.id == user.school_id)) or "UTC"


async def service_for(session: Any, user: CurrentUser) -> tuple[NoticeService, str]:
    """The person's notice service as of the school's today, and the school's time zone."""
    timezone = await timezone_of(session, user)
    return NoticeService(session, user, school_today(timezone)), timezone


DATED = frozenset({"student", "parent", "teacher", "class_teacher"})  # whose notices depend on the day's data


async def counts_for(session: Any, user: CurrentUser) -> tuple[int, int]:
    """The person's (notices, unread) for the nav and the badge: the school's time zone is read only
    when what reaches them depends on the day (every page asks this)."""
    today = await school_day(session, user.school_id or 0) if user.roles & DATED else date.min
    return await NoticeService(session, user, today).counts()


@dataclass(frozen=True)
class Line:
    """A notice in a list."""

    id: int
    title: str
    excerpt: str
    publish_at: datetime
    expire_at: datetime | None
    pinned: bool
    unread: bool
    author: str  # "" for an automatic notice
    state: str  # state_of()


async def noticeboard_nav(platform: Any, user: CurrentUser | None) -> list[NavItem]:
    if user is None or user.school_id is None or not platform.permissions.allows(user.roles, READ):
        return []
    async with platform.db.reading() as session:
        _total, unread = await counts_for(session, user)
    items = [NavItem(id="noticeboard", label=_("Notice board"), url="/noticeboard/board", section=20, order=20,
                     badge=unread or None, badge_url=BADGE_URL)]
    if platform.permissions.allows(user.roles, MANAGE):
        items.append(NavItem(id="noticeboard-settings", label=_("Notice board settings"), url="/noticeboard/settings",
                             section=80, order=46))
    return items


def until_label(moment: datetime, timezone: str) -> str:
    """«до 3 декабря, 18:00»; a notice taken off at midnight (an automatic one at the end of its day)
    is «до конца 2 декабря»."""
    local = moment.astimezone(ZoneInfo(timezone))
    if local.time() == time.min:
        return _("until the end of %(day)s", day=format_date(local.date() - timedelta(days=1), "d MMMM"))
    return _("until %(when)s", when=format_datetime(moment, timezone, "d MMMM, HH:mm"))


def noticeboard_widgets(platform: Any, user: CurrentUser | None) -> list[Widget]:
    if user is None or user.school_id is None or not platform.permissions.allows(user.roles, READ):
        return []
    return [Widget(id="noticeboard", title=_("Notices"), url="/noticeboard/widget", order=4)]


# ---- the board ---------------------------------------------------------------------------------


@get("/board", name="noticeboard:board", opt=READ_OPT)
async def board(request: Request, platform: NamedDependency[Platform], q: FromQuery[str] = "", show: FromQuery[str] = "",
                page: FromQuery[str] = "") -> Response[str]:
    """The notices meant for the person, pinned first, then newest; unread ones marked. ``show``:
    only unread, the person's own notices in every state, or (director, deputy) all of the school's;
    ``q`` searches titles and texts."""
    user = page_user(request)
    query, number = q.strip()[:100], (query_id(page, 1, 10_000) or 1) - 1
    show = show if show in SHOWS else ""
    may_post = platform.permissions.allows(user.roles, POST)
    if (show == "mine" and not may_post) or (show == "school" and not user.roles & ANYONE):
        show = ""
    async with platform.db.reading() as session:
        service, timezone = await service_for(session, user)
        if show in ("mine", "school"):
            notices = await service.managed(everyone_s=show == "school", query=query, offset=number * PAGE, limit=PAGE)
            more, shown = len(notices) > PAGE, [BoardNotice(notice, False) for notice in notices[:PAGE]]
        else:
            found = await service.board(query=query, unread_only=show == "unread", offset=number * PAGE, limit=PAGE)
            more, shown = len(found) > PAGE, found[:PAGE]
        lines = await lines_of(session, shown)
    return await render(request, "noticeboard/board.html", {
        "lines": lines, "more": more, "page": number, "q": query, "show": show, "timezone": timezone,
        "may_post": may_post, "manager": bool(user.roles & ANYONE),
        "may_manage": platform.permissions.allows(user.roles, MANAGE),
        "page_title": _("Notice board"), "extra_css": CSS}, partial=("noticeboard/_list.html", "noticeboard-list"))


async def lines_of(session: Any, items: list[BoardNotice]) -> list[Line]:
    """The list's lines, with their authors' names: one statement for any number of lines."""
    names = await author_names_of(session, {item.notice.author_id for item in items})
    now = utcnow()
    return [Line(item.notice.id, item.notice.title, plain_excerpt(item.notice.body), item.notice.publish_at,
                 item.notice.expire_at, item.notice.pinned, item.unread, names.get(item.notice.author_id or 0, ""),
                 state_of(item.notice, now)) for item in items]


# ---- a notice ----------------------------------------------------------------------------------


@get("/{notice_id:int}", name="noticeboard:notice", opt=READ_OPT)
async def notice_page(request: Request, notice_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """The notice in full with its files and whom it is for; opening it marks it read."""
    user = page_user(request)
    async with platform.db.reading() as session:
        service, timezone = await service_for(session, user)
        view = await service.view(notice_id)
        audience = await describe_targets(session, list(view.targets))
        names = await author_names(session, view.notice)
        readers = await service.readers(view.notice.id) if view.may_change else 0
    if view.unread and state_of(view.notice, utcnow()) == "current":
        async with platform.db.writing() as session:
            await NoticeService(session, user, service.today).mark_read(view.notice.id)
    return await render(request, "noticeboard/notice.html", {
        "view": view, "notice": view.notice, "audience": audience, "names": names, "timezone": timezone, "readers": readers,
        "state": state_of(view.notice, utcnow()), "size_label": size_label, "page_title": view.notice.title,
        "extra_css": CSS})


async def author_names(session: Any, notice: NoticeboardNotice) -> dict[int, str]:
    return await author_names_of(session, {notice.author_id, notice.updated_by, notice.withdrawn_by})


async def author_names_of(session: Any, people: set[int | None]) -> dict[int, str]:
    """Names of the people who wrote or changed notices: one statement."""
    return dict((await session.execute(select(UserAccount.id, UserAccount.full_name).where(
        UserAccount.id.in_({person for person in people if person} or {0})))).all())


@get("/attachments/{attachment_id:int}", name="noticeboard:attachment", opt=READ_OPT)
async def attachment(request: Request, attachment_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[bytes]:
    """A file of a notice the person may open, always as a download."""
    user = page_user(request)
    async with platform.db.reading() as session:
        service, _zone = await service_for(session, user)
        row = await service.attachment(attachment_id)
        return download(row.content, row.filename, row.content_type)


# ---- the badge and the dashboard block, refreshed in the background ----------------------------


@get("/badge", name="noticeboard:badge", opt=BACKGROUND_OPT)
async def badge(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """The nav's count of unread notices, asked for again every minute; it keeps no session alive."""
    user = page_user(request)
    async with platform.db.reading() as session:
        _total, unread = await counts_for(session, user)
    item = NavItem(id="noticeboard", label=_("Notice board"), url="/noticeboard/board", badge=unread or None, badge_url=BADGE_URL)
    return await render_fragment(request, "core/_nav_badge.html", {"item": item})


@get("/widget", name="noticeboard:widget", opt=BACKGROUND_OPT)
async def widget(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """The dashboard's first notices of the board (pinned, then newest), asked for again every minute."""
    user = page_user(request)
    async with platform.db.reading() as session:
        service, timezone = await service_for(session, user)
        lines = await lines_of(session, (await service.board(limit=WIDGET_LINES))[:WIDGET_LINES])
        total, unread = await service.counts()
    return await render_fragment(request, "noticeboard/_widget.html", {
        "lines": lines, "total": total, "unread": unread, "timezone": timezone})


READER_ROUTES = [board, notice_page, attachment, badge, widget]
