"""The mailbox's pages: inbox, sent, archive, a thread, a broadcast's receipts, writing a message,
and the unread badge and dashboard block that htmx refreshes in the background."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import select

from core.auth.models import UserAccount
from core.audit.log import record
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.di import FromPath, FromQuery, NamedDependency
from core.i18n import gettext as _
from core.i18n import ngettext
from core.platform import Platform
from core.plugins.types import NavItem, Widget
from core.school.models import School
from core.structure.common import school_today
from core.web.pages import flash, redirect, render, render_fragment
from core.web.sessions import current_user
from core.web.structure.common import query_id
from core.web.uploads import download as file_download
from core.web.uploads import read_uploads, size_label
from plugins.messaging.attachments import LIMITS, attachments_of, download
from plugins.messaging.copies import EmailChoiceError, choose_email, email_choice
from plugins.messaging.directory import build_directory, load_rules
from plugins.messaging.mail import (
    Draft, MailError, form_ids, mark_read, participation, send_new, send_reply, set_archived, text_problems,
)
from plugins.messaging.mailbox import (
    broadcast_view, is_archived, sent_lines, thread_lines, thread_messages, unread_count,
)
from plugins.messaging.permissions import MANAGE, USE
from plugins.messaging.settings_pages import SETTINGS_ROUTES

USE_OPT = {"permission": USE}
BODY_LIMIT = LIMITS.total + 2**20  # the files and the form around them
BACKGROUND_OPT = {"permission": USE, "background": True}
CSS = "messaging/messaging.css"
BADGE_URL = "/messaging/badge"
WIDGET_LINES = 5


def _user(request: Request) -> CurrentUser:
    user = current_user(request)
    if user is None or user.school_id is None:
        raise NotFoundException()
    return user


async def messaging_nav(platform: Any, user: CurrentUser | None) -> list[NavItem]:
    if user is None or user.school_id is None or not platform.permissions.allows(user.roles, USE):
        return []
    async with platform.db.reading() as session:
        unread = await unread_count(session, user)
    items = [NavItem(id="messaging", label=_("Messages"), url="/messaging/inbox", section=20, order=30,
                     badge=unread or None, badge_url=BADGE_URL)]
    if platform.permissions.allows(user.roles, MANAGE):
        items.append(NavItem(id="messaging-settings", label=_("Mail rules"), url="/messaging/settings", section=80, order=45))
    return items


def messaging_widgets(platform: Any, user: CurrentUser | None) -> list[Widget]:
    if user is None or user.school_id is None or not platform.permissions.allows(user.roles, USE):
        return []
    return [Widget(id="messaging", title=_("New messages"), url="/messaging/widget", order=5)]


def _page_number(text: str) -> int:
    return (query_id(text, 1, 10_000) or 1) - 1


# ---- the boxes ---------------------------------------------------------------------------------


@get("/inbox", name="messaging:inbox", opt=USE_OPT)
async def inbox(request: Request, platform: NamedDependency[Platform], q: FromQuery[str] = "",
                page: FromQuery[str] = "", unread: FromQuery[str] = "") -> Response[str]:
    """Conversations where someone wrote to the person, latest first (``unread=1``: those with
    something unread); search by sender and text."""
    return await _box(request, platform, "inbox", q, page, unread == "1")


@get("/archive", name="messaging:archive", opt=USE_OPT)
async def archive(request: Request, platform: NamedDependency[Platform], q: FromQuery[str] = "",
                  page: FromQuery[str] = "") -> Response[str]:
    """Conversations the person put away; an answer brings one back."""
    return await _box(request, platform, "archive", q, page)


async def _box(request: Request, platform: Platform, box: str, query: str, page_text: str,
               unread_only: bool = False) -> Response[str]:
    user = _user(request)
    query, page = query[:100], _page_number(page_text)
    async with platform.db.reading() as session:
        lines, more = await thread_lines(session, user, archived=box == "archive", query=query, page=page,
                                         unread_only=unread_only)
        timezone = await _timezone(session, user)
    return await render(request, "messaging/box.html", {
        "box": box, "lines": lines, "more": more, "page": page, "q": query, "timezone": timezone, "unread": unread_only,
        "page_title": _("Inbox") if box == "inbox" else _("Mail archive"), "extra_css": CSS},
        partial=("messaging/_lines.html", "messaging-lines"))


@get("/sent", name="messaging:sent", opt=USE_OPT)
async def sent(request: Request, platform: NamedDependency[Platform], q: FromQuery[str] = "",
               page: FromQuery[str] = "") -> Response[str]:
    """What the person sent, with who has read it."""
    user = _user(request)
    query, number = q[:100], _page_number(page)
    async with platform.db.reading() as session:
        lines, more = await sent_lines(session, user, query=query, page=number)
        timezone = await _timezone(session, user)
    return await render(request, "messaging/box.html", {
        "box": "sent", "sent": lines, "more": more, "page": number, "q": query, "timezone": timezone, "unread": False,
        "page_title": _("Sent"), "extra_css": CSS}, partial=("messaging/_lines.html", "messaging-lines"))


async def _timezone(session: Any, user: CurrentUser) -> str:
    return await session.scalar(select(School.timezone).where(School.id == user.school_id)) or "UTC"


# ---- a thread ----------------------------------------------------------------------------------


@get("/threads/{thread_id:int}", name="messaging:thread", opt=USE_OPT)
async def thread_page(request: Request, thread_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """A conversation of two, oldest first; opening it marks what came in as read."""
    return await _thread(request, platform, thread_id)


async def _thread(request: Request, platform: Platform, thread_id: int, errors: dict[str, str] | None = None,
                  body: str = "", status_code: int = 200) -> Response[str]:
    user = _user(request)
    async with platform.db.reading() as session:
        thread, other_id = await participation(session, user, thread_id)
        messages = await thread_messages(session, thread.id, user.id)
        files = await attachments_of(session, [message.id for message in messages])
        archived = await is_archived(session, thread.id, user.id)
        timezone = await _timezone(session, user)
        other = await session.scalar(select(UserAccount.full_name).where(UserAccount.id == other_id)) or ""
    if any(not message.mine and message.read_at is None for message in messages):
        async with platform.db.writing() as session:
            await mark_read(session, user.id, thread.id, utcnow())
    return await render(request, "messaging/thread.html", {
        "thread": thread, "messages": messages, "other": other, "archived": archived, "timezone": timezone, "files": files,
        "size_label": size_label, "errors": errors or {}, "body": body, "page_title": thread.subject, "extra_css": CSS}, status_code=status_code)


@post("/threads/{thread_id:int}/reply", name="messaging:reply", opt=USE_OPT, request_max_body_size=BODY_LIMIT)
async def reply(request: Request, thread_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """Answer in the thread, with files if any: to the other person only."""
    user = _user(request)
    form = await request.form()
    body = str(form.get("body") or "")
    uploads, problem = await read_uploads(form.getall("attachments", []), LIMITS)
    try:
        if problem:
            async with platform.db.reading() as session:
                await participation(session, user, thread_id)  # someone else's thread is a 404 whatever the files
            raise MailError({**text_problems(None, body), "attachments": problem})
        async with platform.db.writing() as session:
            message_id = await send_reply(session, user, thread_id, body, utcnow(), uploads)
    except MailError as error:
        return await _thread(request, platform, thread_id, error.errors, body, 422)
    flash(request, _("The answer is sent."))
    return redirect(request, f"/messaging/threads/{thread_id}#messaging-message-{message_id}")


@post("/threads/{thread_id:int}/archive", name="messaging:archive_thread", opt=USE_OPT)
async def archive_thread(request: Request, thread_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """Put a conversation away (``archived=1``) or back into the inbox (``archived=0``)."""
    user = _user(request)
    form = await request.form()
    archived = str(form.get("archived") or "1") != "0"
    async with platform.db.writing() as session:
        await set_archived(session, user, thread_id, archived)
    flash(request, _("The conversation is in the archive.") if archived else _("The conversation is back in the inbox."))
    return redirect(request, "/messaging/inbox" if archived else f"/messaging/threads/{thread_id}")


@get("/sent/{broadcast_id:int}", name="messaging:broadcast", opt=USE_OPT)
async def broadcast_page(request: Request, broadcast_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """A message sent to many: the text, and each recipient with whether and when they read it."""
    user = _user(request)
    async with platform.db.reading() as session:
        broadcast, deliveries = await broadcast_view(session, user, broadcast_id)
        timezone = await _timezone(session, user)
        files = (await attachments_of(session, [deliveries[0].message_id])).get(deliveries[0].message_id, []) if deliveries else []
    read = sum(1 for delivery in deliveries if delivery.read_at)
    return await render(request, "messaging/broadcast.html", {
        "broadcast": broadcast, "deliveries": deliveries, "read": read, "timezone": timezone, "files": files,
        "size_label": size_label,
        "page_title": broadcast.subject, "extra_css": CSS})


# ---- writing -----------------------------------------------------------------------------------


@get("/new", name="messaging:compose", opt=USE_OPT)
async def compose(request: Request, platform: NamedDependency[Platform], to: FromQuery[str] = "",
                  group: FromQuery[str] = "") -> Response[str]:
    """A new message: the people and groups the person may write to, grouped as they think of them."""
    draft = Draft(to=[person for person in [query_id(to)] if person], groups=[group[:200]] if group else [])
    return await _compose(request, platform, draft, {})


async def _compose(request: Request, platform: Platform, draft: Draft, errors: dict[str, str],
                   status_code: int = 200) -> Response[str]:
    user = _user(request)
    async with platform.db.reading() as session:
        today = school_today(await _timezone(session, user))
        directory = await build_directory(platform, session, user, today, await load_rules(session, user.school_id or 0))
    return await render(request, "messaging/compose.html", {
        "directory": directory, "draft": draft, "errors": errors, "page_title": _("New message"), "extra_css": CSS},
        status_code=status_code)


@post("/new", name="messaging:send", opt=USE_OPT, request_max_body_size=BODY_LIMIT)
async def send(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """Send to the chosen people and groups, with files if any, each recipient told about their own
    children only."""
    user = _user(request)
    form = await request.form()
    draft = Draft(subject=str(form.get("subject") or ""), body=str(form.get("body") or ""),
                  to=form_ids(str(value) for value in form.getall("to", [])),
                  groups=[str(value)[:200] for value in form.getall("group", [])])
    uploads, problem = await read_uploads(form.getall("attachments", []), LIMITS)
    if problem:
        return await _compose(request, platform, draft, {**text_problems(draft.subject, draft.body), "attachments": problem}, 422)
    async with platform.db.reading() as session:  # not under the write lock: plugins' groups take a while
        today = school_today(await _timezone(session, user))
        directory = await build_directory(platform, session, user, today, await load_rules(session, user.school_id or 0))
    try:
        async with platform.db.writing() as session:
            result = await send_new(session, user, directory, draft, utcnow(), uploads)
    except MailError as error:
        return await _compose(request, platform, draft, error.errors, 422)
    if result.thread_id is not None:
        flash(request, _("The message is sent."))
        return redirect(request, f"/messaging/threads/{result.thread_id}")
    flash(request, ngettext("The message is sent to %(num)d person, each separately.",
                            "The message is sent to %(num)d people, each separately.", result.recipients))
    return redirect(request, f"/messaging/sent/{result.broadcast_id}")


@get("/attachments/{attachment_id:int}", name="messaging:attachment", opt=USE_OPT)
async def attachment(request: Request, attachment_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[bytes]:
    """A file of a conversation the person is in, always as a download, never shown in the page."""
    user = _user(request)
    async with platform.db.reading() as session:
        filename, content_type, content = await download(session, user, attachment_id)
    return file_download(content, filename, content_type)


# ---- copies by e-mail ----------------------------------------------------------------------------


@get("/email", name="messaging:email", opt=USE_OPT)
async def email_page(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """Whether new messages also come by e-mail, and to which address."""
    user = _user(request)
    async with platform.db.reading() as session:
        address = await email_choice(session, user.id)
    return await _email(request, platform, address, {})


async def _email(request: Request, platform: Platform, address: str, errors: dict[str, str], typed: str | None = None,
                 status_code: int = 200) -> Response[str]:
    return await render(request, "messaging/email.html", {
        "address": address, "typed": address if typed is None else typed, "errors": errors, "box": "email",
        "available": platform.settings.smtp is not None, "page_title": _("Messages by e-mail"), "extra_css": CSS},
        status_code=status_code)


@post("/email", name="messaging:email_save", opt=USE_OPT)
async def email_save(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """Turn copies by e-mail on (to the address given) or off."""
    user = _user(request)
    form = await request.form()
    turn_on = str(form.get("action") or "") == "on"
    typed = str(form.get("address") or "")[:300]
    if turn_on and platform.settings.smtp is None:
        return await _email(request, platform, "", {"address": _("This journal sends no e-mail.")}, typed, 422)
    try:
        async with platform.db.writing() as session:
            await choose_email(session, user.id, typed if turn_on else None)
            record(session, "messaging.email_copies_on" if turn_on else "messaging.email_copies_off", connection=request,
                   object_type="user_account", object_id=user.id, details={"address": typed.strip()} if turn_on else None)
    except EmailChoiceError as error:
        async with platform.db.reading() as session:
            address = await email_choice(session, user.id)
        return await _email(request, platform, address, {"address": str(error)}, typed, 422)
    flash(request, _("New messages will also come to %(address)s.", address=typed.strip()) if turn_on
          else _("Copies by e-mail are off."))
    return redirect(request, "/messaging/email")


# ---- the badge and the dashboard block, refreshed in the background ----------------------------


@get("/badge", name="messaging:badge", opt=BACKGROUND_OPT)
async def badge(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """The nav's unread count, asked for again every minute; it does not keep the session alive."""
    user = _user(request)
    async with platform.db.reading() as session:
        unread = await unread_count(session, user)
    item = NavItem(id="messaging", label=_("Messages"), url="/messaging/inbox", badge=unread or None, badge_url=BADGE_URL)
    return await render_fragment(request, "core/_nav_badge.html", {"item": item})


@get("/widget", name="messaging:widget", opt=BACKGROUND_OPT)
async def widget(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """The dashboard's latest unread conversations, asked for again every minute."""
    user = _user(request)
    async with platform.db.reading() as session:
        lines, more = await thread_lines(session, user, archived=False, unread_only=True, limit=WIDGET_LINES)
        unread = await unread_count(session, user)
        timezone = await _timezone(session, user)
    return await render_fragment(request, "messaging/_widget.html", {
        "lines": lines, "more": more, "unread": unread, "timezone": timezone})


ROUTES = [inbox, archive, sent, thread_page, reply, archive_thread, broadcast_page, compose, send, attachment, email_page,
          email_save, badge, widget, *SETTINGS_ROUTES]
