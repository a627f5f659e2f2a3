"""The journal administrator's page of parents' refusals of the e-diary, and the explanation a
parent sees instead of the diary while their refusal stands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy.exc import IntegrityError

from core.audit.log import record
from core.auth.services import CurrentUser
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.platform import Platform
from core.web.guards import refuse_out_of_range_ids
from core.web.pages import flash, redirect, render
from core.web.sessions import current_user
from core.web.structure.common import StructureError, form_date, query_id, school_day
from plugins.diary.permissions import MANAGE_REFUSALS
from plugins.diary.refusals import (
    RefusalError, find_parents, parent_by_id, record_refusal, school_refusals, standing_refusal, withdraw_refusal,
)

MANAGE_OPT = {"permission": MANAGE_REFUSALS}
CSS = "diary/diary.css"
HOME = "/diary/refusals"


async def refusal_gate(request: Request) -> Response[str] | None:
    """Before a diary page: a parent whose refusal stands sees why there is no diary. It is the
    parent's refusal: a student who is also someone's parent keeps their own diary."""
    refuse_out_of_range_ids(request)  # the app's own before-request hook, which a route's replaces
    user = current_user(request)
    if user is None or user.school_id is None or "parent" not in user.roles:
        return None
    asked = request.path_params.get("student_id")
    if "student" in user.roles and asked in (None, user.id):
        return None  # their own diary (the home page opens it first)
    platform: Platform = request.app.state.platform
    async with platform.db.reading() as session:
        refusal = await standing_refusal(session, user.school_id, user.id)
    if refusal is None:
        return None
    if request.headers.get("hx-request"):  # a week swapped in place: load the whole explanation instead
        return Response("", status_code=200, headers={"HX-Redirect": str(request.url)})
    return await render(request, "diary/refused.html", {"refusal": refusal, "page_title": _("Diary"), "extra_css": CSS})


def _manager(request: Request) -> CurrentUser:
    user = current_user(request)
    if user is None or user.school_id is None:
        raise NotFoundException()
    return user


@get("/refusals", name="diary:refusals", opt=MANAGE_OPT)
async def refusals_page(request: Request, platform: NamedDependency[Platform], q: FromQuery[str] = "") -> Response[str]:
    """The school's refusals (standing first) and a search for the parent whose application came in."""
    return await _page(request, platform, q[:100], {}, {})


async def _page(request: Request, platform: Platform, query: str, errors: dict[str, str], form: dict[str, Any],
                status_code: int = 200) -> Response[str]:
    user = _manager(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        lines = await school_refusals(session, user.school_id or 0)
        found = await find_parents(session, user.school_id or 0, query) if query else []
        chosen = await parent_by_id(session, user.school_id or 0, form["parent"]) if form.get("parent") else None
    if chosen is not None and chosen.id not in {parent.id for parent in found}:
        found.insert(0, chosen)  # the form being corrected, whatever the search
    return await render(request, "diary/refusals.html", {
        "lines": lines, "found": found, "q": query, "errors": errors, "form": form, "today": today,
        "page_title": _("E-diary refusals"), "extra_css": CSS}, status_code=status_code)


@dataclass
class RefusalForm:
    parent: str = ""
    on: str = ""
    document: str = ""
    q: str = ""


@post("/refusals", name="diary:refusal_record", opt=MANAGE_OPT)
async def refusal_record(request: Request, platform: NamedDependency[Platform],
                         data: URLEncodedBody[RefusalForm]) -> Response[str]:
    """Record a parent's written refusal: their diary closes and their calendar feeds stop."""
    user = _manager(request)
    parent_id = query_id(data.parent) or 0
    form = {"parent": parent_id, "on": data.on, "document": data.document}
    try:
        on = form_date(data.on, "on")
        async with platform.db.writing() as session:
            today = await school_day(session, user.school_id or 0)
            refusal = await record_refusal(session, user, parent_id, on, data.document, today)
            record(session, "diary.refusal_recorded", connection=request, object_type="user_account", object_id=parent_id,
                   details={"refused_on": refusal.refused_on.isoformat(), "document": refusal.document})
    except StructureError as error:
        return await _page(request, platform, data.q[:100], {error.field: error.message}, form, 422)
    except RefusalError as error:
        return await _page(request, platform, data.q[:100], error.errors, form, 422)
    except IntegrityError:  # recorded by someone else at the same moment
        return await _page(request, platform, data.q[:100], {"parent": _("This parent's refusal is already recorded.")}, form,
                           422)
    flash(request, _("The refusal is recorded: the parent no longer sees the diary, and their calendar feeds are off."))
    return redirect(request, HOME)


@dataclass
class WithdrawalForm:
    withdrawn_on: str = ""
    withdrawal_document: str = ""


@post("/refusals/{refusal_id:int}/withdraw", name="diary:refusal_withdraw", opt=MANAGE_OPT)
async def refusal_withdraw(request: Request, refusal_id: FromPath[int], platform: NamedDependency[Platform],
                           data: URLEncodedBody[WithdrawalForm]) -> Response[str]:
    """Record the withdrawal of a standing refusal: the parent sees the diary again."""
    user = _manager(request)
    form = {"refusal": refusal_id, "on": data.withdrawn_on, "document": data.withdrawal_document}
    try:
        on = form_date(data.withdrawn_on, "withdrawn_on")
        async with platform.db.writing() as session:
            today = await school_day(session, user.school_id or 0)
            refusal = await withdraw_refusal(session, user, refusal_id, on, data.withdrawal_document, today)
            if refusal is None:
                raise NotFoundException()
            record(session, "diary.refusal_withdrawn", connection=request, object_type="user_account",
                   object_id=refusal.parent_id, details={"withdrawn_on": on.isoformat() if on else None,
                                                         "document": refusal.withdrawal_document})
    except StructureError as error:
        return await _page(request, platform, "", {"withdrawn_on": error.message}, form, 422)
    except RefusalError as error:
        return await _page(request, platform, "", error.errors, form, 422)
    flash(request, _("The refusal is withdrawn: the parent sees the diary again."))
    return redirect(request, HOME)


REFUSAL_ROUTES = [refusals_page, refusal_record, refusal_withdraw]
