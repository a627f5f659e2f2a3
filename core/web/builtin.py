"""Core's own hook implementations (registered as the plugin "core", before every plugin)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import hookimpl
from core.i18n import gettext as _
from core.plugins.types import NavItem, Widget
from core.school.models import School




@hookimpl
def nav_items(platform: Any, request: Any, user: Any) -> list[NavItem]:
    return [NavItem(id="home", label=_("Home"), url="/", section=0, order=0)]


@hookimpl
async def dashboard_widgets(platform: Any, request: Any, user: Any) -> list[Widget]:
    async with platform.db.reading() as session:
        schools = (await session.execute(select(School.short_name, School.name, School.timezone).order_by(School.id))).all()
    modules = [(plugin.title, plugin.name, plugin.version) for plugin in platform.plugins.values()]
    return [
        Widget(
            id="school", title=_("School"), template="core/_widget_school.html",
            context={"schools": schools, "modules": modules}, order=0,
        )
    ]
