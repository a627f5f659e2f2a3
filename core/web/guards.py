"""Request checks that apply to every route."""

from __future__ import annotations

from litestar import Request
from litestar.exceptions import NotFoundException

# Integer primary keys are 32-bit on PostgreSQL; larger ids cannot name a row on any backend.
MAX_ID = 2**31 - 1


def refuse_out_of_range_ids(request: Request) -> None:
    """Answer 404 for integer path parameters no row can have, before a driver raises on them."""
    for value in request.path_params.values():
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_ID:
            raise NotFoundException()
