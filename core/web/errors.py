"""Error answers that never show a stack trace."""

from __future__ import annotations

import logging
import uuid

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import IntegrityError

log = logging.getLogger("zhurnal.web")


def integrity_error(request: Request, exc: IntegrityError) -> Response:
    """A unique or reference rule refused the write: nothing was saved, say so."""
    log.info("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
    return Response(
        "Изменение не сохранено: такая запись уже есть или она ссылается на удалённые данные.",
        status_code=HTTP_409_CONFLICT,
        media_type=MediaType.TEXT,
    )


def internal_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return Response(exc.detail, status_code=exc.status_code, media_type=MediaType.TEXT, headers=exc.headers)
    correlation_id = uuid.uuid4().hex[:12]
    log.error("unhandled error %s on %s %s", correlation_id, request.method, request.url.path, exc_info=exc)
    return Response(
        f"Внутренняя ошибка сервера. Код для обращения в поддержку: {correlation_id}",
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        media_type=MediaType.TEXT,
    )


EXCEPTION_HANDLERS = {IntegrityError: integrity_error, Exception: internal_error}
