"""Issuing logins and one-time passwords with a printed protocol (regulation 3.3, 4.7). The page
lists a group's people and where their access stands; issuing answers with the protocol's PDF,
the only place the passwords ever appear."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import select

from core.audit.log import record
from core.auth.services import AccountService, new_one_time
from core.db.types import utcnow
from core.di import FromQuery, NamedDependency
from core.i18n import format_date
from core.i18n import gettext as _
from core.people.credentials import CredentialsError, CredentialsService, Group, parse_group, protocol_rows
from core.people.protocol import protocol_pdf
from core.platform import Platform
from core.school.models import School
from core.web.pages import render
from core.web.people.common import ISSUE_CREDENTIALS, people_context, reach_of
from core.web.structure.common import school_day
from core.web.uploads import download


def _service(request: Request, session: Any) -> CredentialsService:
    reach = reach_of(request)
    whole_school = request.app.state.platform.permissions.allows(request.scope["state"]["user"].roles, "core.manage_accounts")
    return CredentialsService(session, reach.school_id, reach.user_id, whole_school=whole_school)


async def _page_context(request: Request, session: Any, group: Group | None, *, error: str | None = None,
                        chosen: set[int] | None = None, out_of_reach_is_404: bool = False,
                        default_group: bool = False) -> dict[str, Any]:
    """The page for ``group``. Asked for by address, a group out of reach (another class, another
    school's person, an id that names nothing) is a 404 that looks like nothing at all."""
    service = _service(request, session)
    today = await school_day(session, service.school_id)
    classes = await service.classes(today)
    if default_group and len(classes) == 1 and not service.whole_school:  # a class teacher's one class: its parents
        group = Group("parents", classes[0][0])
    holders = []
    if group is not None and error is None:
        try:
            holders = await service.holders(group, today)
        except CredentialsError as exc:
            if out_of_reach_is_404:
                raise NotFoundException() from None
            error, group = str(exc), None
    if chosen is None:
        chosen = {h.id for h in holders if h.needs_credentials}
    timezone = await session.scalar(select(School.timezone).where(School.id == service.school_id))
    return people_context(request, "credentials", today, classes=classes, group=group, holders=holders, chosen=chosen,
                          whole_school=service.whole_school, error=error, now=utcnow(), timezone=timezone,
                          hours=request.app.state.platform.settings.security.initial_password_hours)


@get("/people/credentials", name="core:credentials", opt=ISSUE_CREDENTIALS)
async def credentials_page(request: Request, platform: NamedDependency[Platform], group: FromQuery[str] = "",
                           user: FromQuery[str] = "") -> Response[str]:
    asked = bool(group or user)
    chosen = parse_group(f"person:{user}" if user else group) if asked else None
    if asked and chosen is None:
        raise NotFoundException()
    async with platform.db.reading() as session:
        context = await _page_context(request, session, chosen, out_of_reach_is_404=True, default_group=not asked)
    return await render(request, "core/people/credentials.html", context)


@post("/people/credentials", name="core:credentials_issue", opt=ISSUE_CREDENTIALS, status_code=200)
async def issue_credentials(request: Request, platform: NamedDependency[Platform]) -> Response[Any]:
    """New one-time passwords for the chosen people of the group, answered with the protocol.
    Anyone outside the group (a forged id) refuses the whole request: nothing is issued."""
    form = await request.form()
    group = parse_group(str(form.get("group", ""))[:40])
    picked = [str(value) for value in form.getall("user_ids", [])][:2000]  # checkboxes: several values
    user_ids = [int(value) for value in picked if value.isdigit() and len(value) <= 10]
    hours = platform.settings.security.initial_password_hours
    error = None if group is not None else _("Choose a group.")
    if len(user_ids) != len(picked):
        error = _("Some of the chosen people are not in this group. Nothing was issued; reload the page.")
    if group is not None and error is None:
        async with platform.db.reading() as session:  # check and describe the group: no lock held
            service = _service(request, session)
            today = await school_day(session, service.school_id)
            try:
                holders, _accounts = await service.chosen(group, today, user_ids)
            except CredentialsError as exc:
                error = str(exc)
            else:
                title = await service.title(group, today)
                school = await session.get(School, service.school_id)
    if error is not None or group is None:
        return await _refused(request, platform, group, user_ids, error or "")
    assert school is not None
    passwords, hashes = await new_one_time(platform.passwords, [h.id for h in holders])
    document = {
        "school": school.name, "title": title, "issued_by": request.scope["state"]["user"].full_name,
        "day": format_date(today, "long"), "rows": protocol_rows(holders, passwords),
        "valid_until": utcnow() + timedelta(hours=hours), "timezone": school.timezone,
        "address": platform.settings.public_url or str(request.base_url).rstrip("/"),
    }
    pdf = await asyncio.to_thread(protocol_pdf, platform, document)  # first: a PDF that fails changes nothing
    async with platform.db.writing() as session:
        service = _service(request, session)
        try:  # again under the write lock: still the group's people, still theirs to reset
            _holders, accounts = await service.chosen(group, today, user_ids)
        except CredentialsError as exc:
            error = str(exc)
        else:
            await AccountService(session, platform.passwords).set_one_time(accounts, hashes, hours=hours)
            record(session, "core.credentials_issued", connection=request, object_type="group", object_id=group.value,
                   details={"user_ids": [h.id for h in holders], "valid_hours": hours})
    if error is not None:
        return await _refused(request, platform, group, user_ids, error)
    name = f"{_('protocol')}-{title}-{today.isoformat()}.pdf"
    return download(pdf, name, "application/pdf", f"protocol-{group.value.replace(':', '-')}-{today.isoformat()}.pdf")


async def _refused(request: Request, platform: Platform, group: Group | None, user_ids: list[int], error: str) -> Response[str]:
    async with platform.db.reading() as session:
        context = await _page_context(request, session, group, chosen=set(user_ids))
    context["error"] = error
    return await render(request, "core/people/credentials.html", context, status_code=422)


ROUTES = [credentials_page, issue_credentials]
