"""«Who viewed my child's data»: a parent (or a student) sees which staff opened their records,
their class's lists and summaries and their subjects' journals, and when."""

from __future__ import annotations

from datetime import timedelta

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import ROLES
from core.access.scope import current_school
from core.audit.views import KEPT_DAYS, SHOWN, family_of, views_of
from core.di import FromQuery, NamedDependency
from core.school.models import School
from core.structure.common import school_today
from core.web.pages import render
from core.web.sessions import current_user

VIEW = {"permission": "core.see_data_views"}


@get("/account/views", name="core:data_views", opt=VIEW)
async def data_views_page(request: Request, db_session: NamedDependency[AsyncSession], person: FromQuery[str] = "") -> Response[str]:
    user = current_user(request)
    school = await db_session.get_one(School, current_school(user))
    today = school_today(school.timezone)
    family = await family_of(db_session, user.id, today)
    chosen = next((pid for pid, _name in family if str(pid) == person), None) if person else family[0][0]
    if chosen is None:  # not one of the family: the same answer whether the person exists or not
        raise NotFoundException()
    lines = await views_of(db_session, school.id, chosen, today - timedelta(days=KEPT_DAYS))
    return await render(request, "core/data_views.html", {
        "family": family, "chosen": chosen, "lines": lines, "roles": ROLES, "timezone": school.timezone, "shown": SHOWN,
        "kept_days": KEPT_DAYS})


ROUTES = [data_views_page]
