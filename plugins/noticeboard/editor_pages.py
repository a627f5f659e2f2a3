"""Writing notices: the editor with its preview, publishing, editing, withdrawing, and a notice's
history. Whom an author may address is offered from, and checked against, the school's dated data;
a refused form publishes nothing and comes back as typed, with the reasons."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone as utc
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from markupsafe import Markup

from core.access.roles import ROLES
from core.audit.log import record
from core.db.types import utcnow
from core.di import FromPath, NamedDependency
from core.i18n import gettext as _
from core.platform import Platform
from core.web.pages import flash, redirect, render, render_fragment
from core.web.structure.common import query_id
from core.web.uploads import ACCEPT, read_uploads, size_label
from plugins.noticeboard.audience import (
    ANYONE, PEOPLE_LABELS, PLACE_PEOPLE, AudienceError, Target, choices_for, describe_targets, parse_targets, target_value,
)
from plugins.noticeboard.notices import LIMITS, NoticeError, NoticeInput, NoticeView
from plugins.noticeboard.permissions import POST
from plugins.noticeboard.text import NoticeTextError, clean_notice_html
from plugins.noticeboard.web import CSS, author_names_of, page_user, service_for

POST_OPT = {"permission": POST}
BODY_LIMIT = LIMITS.total + 2**20  # the files and the form around them
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # <input type="datetime-local">


@dataclass
class Draft:
    """The editor's fields as typed (times as the school's local text)."""

    title: str = ""
    body: str = ""
    audience: set[str] = field(default_factory=set)
    publish_at: str = ""
    expire_at: str = ""
    pinned: bool = False
    version: int = 0
    remove: set[int] = field(default_factory=set)


def local_text(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(LOCAL_FORMAT) if moment else ""


def parse_local(text: str, zone: str) -> datetime | None:
    """A datetime-local field in the school's time zone as UTC; ValueError for anything else."""
    text = text.strip()
    if not text:
        return None
    moment = datetime.strptime(text[:16], LOCAL_FORMAT) if len(text) <= 19 else None
    if moment is None or not date(2000, 1, 1) <= moment.date() <= date(2999, 12, 31):
        raise ValueError(text)
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(utc.utc)


async def read_draft(request: Request) -> tuple[Draft, Any]:
    form = await request.form()
    draft = Draft(title=str(form.get("title") or "")[:1000], body=str(form.get("body") or ""),
                  audience={str(value)[:60] for value in form.getall("audience", [])},
                  publish_at=str(form.get("publish_at") or "")[:40], expire_at=str(form.get("expire_at") or "")[:40],
                  pinned=form.get("pinned") == "1", version=query_id(str(form.get("version") or ""), 0) or 0,
                  remove={found for found in (query_id(str(value)) for value in form.getall("remove", [])) if found})
    return draft, form


def wanted_of(draft: Draft, zone: str, keep_publish: datetime | None = None) -> tuple[NoticeInput, dict[str, str]]:
    """The service's input from the form, and what the form alone shows is wrong (the service adds
    the rest, so every problem is told at once)."""
    errors: dict[str, str] = {}
    targets: tuple[Target, ...] = ()
    try:
        targets = parse_targets(sorted(draft.audience))
    except AudienceError as error:
        errors["audience"] = error.message
    moments: dict[str, datetime | None] = {}
    for name in ("publish_at", "expire_at"):
        try:
            moments[name] = parse_local(getattr(draft, name), zone)
        except ValueError:
            moments[name] = None
            errors[name] = _("Enter the date and time as 31.12.2026 18:00.")
    publish_at = moments["publish_at"]
    if keep_publish is not None and draft.publish_at == local_text(keep_publish, zone):
        publish_at = keep_publish  # unchanged: the exact moment it was published
    elif publish_at is not None and publish_at < utcnow():
        publish_at = None  # a moment past: publish now
    return NoticeInput(draft.title, draft.body, targets, publish_at, moments["expire_at"], draft.pinned), errors


async def editor(request: Request, platform: Platform, draft: Draft, errors: dict[str, str], *,
                 view: NoticeView | None = None, status_code: int = 200) -> Response[str]:
    user = page_user(request)
    async with platform.db.reading() as session:
        service, zone = await service_for(session, user)
        choices = await choices_for(session, user, service.today)
        offered = {target_value(Target(place.scope, people, place.id)) for place in choices.places for people in PLACE_PEOPLE}
        offered |= {target_value(Target("school", people)) for people in choices.school_people}
        offered |= {target_value(Target("role", "everyone", None, role)) for role in choices.roles}
        kept = await describe_targets(session, [t for t in (view.targets if view else ()) if target_value(t) not in offered])
    preview, problem = preview_of(draft.body)
    return await render(request, "noticeboard/editor.html", {
        "kept": kept,
        "draft": draft, "errors": errors, "choices": choices, "view": view, "manager": bool(user.roles & ANYONE),
        "place_people": PLACE_PEOPLE, "people_labels": PEOPLE_LABELS, "value_of": target_value, "Target": Target,
        "chosen_scopes": {value.split(":")[0] for value in draft.audience}, "role_names": ROLES, "accept": ACCEPT, "limits": LIMITS, "size_label": size_label, "preview": preview, "problem": problem,
        "page_title": _("Edit the notice") if view else _("New notice"), "extra_css": CSS}, status_code=status_code)


def parse_recorded(audience: str) -> tuple[Target, ...]:
    """A revision's audience as it was written (older revisions wrote another form: shown as none)."""
    try:
        return parse_targets([value for value in audience.split("; ") if value])
    except AudienceError:
        return ()


async def described(session: Any, audiences: dict[int, tuple[Target, ...]]) -> dict[int, list[str]]:
    """Each audience in words: one lookup of names for all of them."""
    words = iter(await describe_targets(session, [target for targets in audiences.values() for target in targets]))
    return {key: [next(words) for _target in targets] for key, targets in audiences.items()}


def recorded(session: Any, request: Request, action: str, notice_id: int, title: str) -> None:
    """A publication, edit or withdrawal in the audit log."""
    record(session, f"noticeboard.{action}", connection=request, object_type="noticeboard_notice", object_id=notice_id,
           details={"title": title})


def preview_of(body: str) -> tuple[Markup | None, str]:
    """The text as readers will see it (None while empty), or why it cannot be published."""
    try:
        return (Markup(clean_notice_html(body)) if body.strip() else None), ""  # nosec B704 # nh3-cleaned HTML
    except NoticeTextError as error:
        return None, error.message


@get("/new", name="noticeboard:compose", opt=POST_OPT)
async def compose(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """An empty notice: the audiences the author may address, times, pinning (the administration), files."""
    return await editor(request, platform, Draft(), {})


@post("/new", name="noticeboard:publish", opt=POST_OPT, request_max_body_size=BODY_LIMIT)
async def publish(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """Publish (now or at the time chosen); a refused notice publishes nothing."""
    user = page_user(request)
    draft, form = await read_draft(request)
    uploads, problem = await read_uploads(form.getall("attachments", []), LIMITS)
    try:
        async with platform.db.writing() as session:
            service, zone = await service_for(session, user)
            wanted, errors = wanted_of(draft, zone)
            notice = await service.publish(replace(wanted, uploads=tuple(uploads)),
                                           {**errors, **({"attachments": problem} if problem else {})})
            recorded(session, request, "published", notice.id, notice.title)
            notice_id, scheduled = notice.id, notice.publish_at > utcnow()
    except NoticeError as error:
        return await editor(request, platform, draft, error.errors, status_code=error.status)
    flash(request, _("The notice will be published at the time chosen.") if scheduled else _("The notice is published."))
    return redirect(request, f"/noticeboard/{notice_id}")


@post("/preview", name="noticeboard:preview", opt=POST_OPT)
async def preview(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """The text as readers will see it, or why it cannot be published."""
    form = await request.form()
    html, problem = preview_of(str(form.get("body") or ""))
    return await render_fragment(request, "noticeboard/_preview.html", {"preview": html, "problem": problem})


@get("/{notice_id:int}/edit", name="noticeboard:edit", opt=POST_OPT)
async def edit_page(request: Request, notice_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """The notice in the editor: its author's, or any for the director and the deputy."""
    user = page_user(request)
    async with platform.db.reading() as session:
        service, zone = await service_for(session, user)
        notice = await service.own(notice_id, lock=False)
        view = await service.view(notice.id)
    draft = Draft(title=notice.title, body=notice.body, audience={target_value(t) for t in view.targets},
                  publish_at=local_text(notice.publish_at, zone), expire_at=local_text(notice.expire_at, zone),
                  pinned=notice.pinned, version=notice.version)
    return await editor(request, platform, draft, {}, view=view)


@post("/{notice_id:int}/edit", name="noticeboard:save", opt=POST_OPT, request_max_body_size=BODY_LIMIT)
async def save(request: Request, notice_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """Save an edit: refused whole if the form is stale (someone changed the notice meanwhile)."""
    user = page_user(request)
    draft, form = await read_draft(request)
    uploads, problem = await read_uploads(form.getall("attachments", []), LIMITS)
    try:
        async with platform.db.writing() as session:
            service, zone = await service_for(session, user)
            notice = await service.own(notice_id)
            wanted, errors = wanted_of(draft, zone, keep_publish=notice.publish_at)
            await service.edit(notice_id, replace(wanted, uploads=tuple(uploads), remove=tuple(draft.remove)), draft.version,
                               {**errors, **({"attachments": problem} if problem else {})})
            recorded(session, request, "edited", notice_id, notice.title)
    except NoticeError as error:
        async with platform.db.reading() as session:
            service, zone = await service_for(session, user)
            view = await service.view(notice_id)
        if error.status == 409:  # what was typed stays; saving again is a deliberate overwrite
            draft.version = view.notice.version
        return await editor(request, platform, draft, error.errors, view=view, status_code=error.status)
    flash(request, _("The notice is saved."))
    return redirect(request, f"/noticeboard/{notice_id}")


@post("/{notice_id:int}/withdraw", name="noticeboard:withdraw", opt=POST_OPT)
async def withdraw(request: Request, notice_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """Take the notice off the board for everyone; it stays in its history."""
    user = page_user(request)
    async with platform.db.writing() as session:
        service, _zone = await service_for(session, user)
        notice = await service.withdraw(notice_id)
        recorded(session, request, "withdrawn", notice.id, notice.title)
    flash(request, _("The notice is withdrawn."))
    return redirect(request, f"/noticeboard/{notice_id}")


@get("/{notice_id:int}/history", name="noticeboard:history", opt=POST_OPT)
async def history(request: Request, notice_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """Who published, edited and withdrew the notice, when, and what it said each time."""
    user = page_user(request)
    async with platform.db.reading() as session:
        service, zone = await service_for(session, user)
        notice, revisions = await service.history(notice_id)
        names = await author_names_of(session, {revision.changed_by for revision in revisions})
        audiences = await described(session, {revision.id: parse_recorded(revision.audience) for revision in revisions})
    return await render(request, "noticeboard/history.html", {
        "notice": notice, "revisions": revisions, "names": names, "timezone": zone, "audiences": audiences,
        "page_title": _("History: %(title)s", title=notice.title), "extra_css": CSS})


EDITOR_ROUTES = [compose, publish, preview, edit_page, save, withdraw, history]
