"""Health checks for load balancers and monitoring (public, no session)."""

from __future__ import annotations

from litestar import MediaType, Response, get
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.di import NamedDependency
from core.platform import Platform


@get("/healthz", name="core:healthz", opt={"public": True, "sessionless": True}, media_type=MediaType.TEXT, include_in_schema=False)
async def healthz() -> str:
    """The process is up and answering."""
    return "ok"


@get("/readyz", name="core:readyz", opt={"public": True, "sessionless": True}, media_type=MediaType.TEXT, include_in_schema=False)
async def readyz(platform: NamedDependency[Platform], db_session: NamedDependency[AsyncSession]) -> Response[str]:
    """The database answers and records exactly the migrations this process expects."""
    try:
        recorded = set((await db_session.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    except Exception:
        return Response("database unreachable", status_code=503, media_type=MediaType.TEXT)
    missing = sorted(platform.expected_migration_heads - recorded)
    if missing:
        return Response(f"migrations not applied: {', '.join(missing)}", status_code=503, media_type=MediaType.TEXT)
    return Response("ready", media_type=MediaType.TEXT)
