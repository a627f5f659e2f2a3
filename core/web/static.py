"""Static files from the package, under versioned URLs with long cache lifetimes.

``static_url("vendor/htmx/htmx.min.js")`` gives ``/static/<content hash>/vendor/htmx/htmx.min.js``.
A changed file gets a new URL, so browsers may keep each URL for a year. Core's files live in
``core/web/static``; a plugin's in ``<plugin package>/static/<plugin>/``.
"""

from __future__ import annotations

import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from core.di import FromPath, NamedDependency

CORE_STATIC = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")


class StaticFiles:
    def __init__(self, roots: list[Path]) -> None:
        self.roots = [root.resolve() for root in roots]
        self._version = lru_cache(maxsize=None)(self._hash)

    def find(self, relative: str) -> Path | None:
        for root in self.roots:
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        return None

    def _hash(self, relative: str) -> str:
        path = self.find(relative)
        if path is None:
            raise LookupError(f"no static file {relative!r}")
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]

    def url(self, relative: str) -> str:
        return f"/static/{self._version(relative)}/{relative}"

    def version(self, relative: str) -> str:
        return self._version(relative)


@get("/static/{version:str}/{path:path}", name="core:static", opt={"public": True, "sessionless": True}, include_in_schema=False)
async def serve_static(version: FromPath[str], path: FromPath[str], static_files: NamedDependency[StaticFiles]) -> Response[bytes]:
    relative = path.lstrip("/")
    found = static_files.find(relative) if ".." not in relative.split("/") else None
    if found is None:
        raise NotFoundException()
    # An old URL (a page cached across a deploy) still gets the file, but not for a year.
    cache = IMMUTABLE if version == static_files.version(relative) else "no-cache"
    media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    return Response(found.read_bytes(), media_type=media_type, headers={"Cache-Control": cache})


@get("/favicon.ico", name="core:favicon", opt={"public": True, "sessionless": True}, include_in_schema=False)
async def favicon(static_files: NamedDependency[StaticFiles]) -> Redirect:
    return Redirect(static_files.url("favicon.svg"), status_code=301)
