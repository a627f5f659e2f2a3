"""Core pages. The start page tells who runs here: the schools and the enabled modules."""

from __future__ import annotations

from html import escape

from litestar import MediaType, get
from sqlalchemy.ext.asyncio import AsyncSession

from core.di import NamedDependency
from core.platform import Platform
from core.school.services import SchoolService


@get("/", name="core:start", media_type=MediaType.HTML)
async def start_page(platform: NamedDependency[Platform], db_session: NamedDependency[AsyncSession]) -> str:
    schools = await SchoolService(db_session).list()
    school_items = "".join(f"<li><strong>{escape(s.short_name)}</strong>: {escape(s.name)}, {escape(s.timezone)}</li>" for s in schools) or "<li>школ пока нет</li>"
    module_items = "".join(
        f"<li>{escape(p.title)} <small>{escape(p.name)} {escape(p.version)}</small></li>" for p in platform.plugins.values()
    ) or "<li>модули не подключены</li>"
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>zhurnal</title></head><body>'
        "<main><h1>zhurnal — электронный журнал</h1>"
        f"<h2>Школы</h2><ul>{school_items}</ul>"
        f"<h2>Модули</h2><ul>{module_items}</ul></main></body></html>"
    )


ROUTES = [start_page]
