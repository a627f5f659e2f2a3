"""``record(...)``: add an audit record to the caller's transaction.

Security events (a failed login, a denial) that change nothing else go through ``record_now``,
which writes in a transaction of its own.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.models import AuditRecord

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection

    from core.platform import Platform

RESULTS = ("ok", "denied", "failed")
# Never written to the log, whatever a caller passes.
SECRET_FIELDS = frozenset({"password", "password_hash", "new_password", "token", "session", "session_id", "csrf", "_csrf_token"})


def record(
    session: AsyncSession,
    action: str,
    *,
    result: str = "ok",
    connection: ASGIConnection[Any, Any, Any, Any] | None = None,
    actor_id: int | None = None,
    actor_role: str | None = None,
    school_id: int | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    if result not in RESULTS:
        raise ValueError(f"audit result must be one of {RESULTS}")
    leaked = SECRET_FIELDS & set(details or {})
    if leaked:
        raise ValueError(f"audit details must not contain {sorted(leaked)}")
    user = connection.scope.get("state", {}).get("user") if connection is not None else None
    if user is not None:
        actor_id = actor_id if actor_id is not None else user.id
        actor_role = actor_role or user.primary_role
        school_id = school_id if school_id is not None else user.school_id
    entry = AuditRecord(
        action=action,
        result=result,
        actor_id=actor_id,
        actor_role=actor_role,
        school_id=school_id,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        address=client_address(connection),
        request_id=connection.scope.get("state", {}).get("request_id") if connection is not None else None,
        details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str) if details else None,
    )
    session.add(entry)
    return entry


async def record_now(platform: Platform, action: str, **kwargs: Any) -> None:
    async with platform.db.writing() as session:
        record(session, action, **kwargs)


def client_address(connection: ASGIConnection[Any, Any, Any, Any] | None) -> str | None:
    if connection is None or connection.client is None:
        return None
    return connection.client.host[:64]
