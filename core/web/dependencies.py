"""Request dependencies: the platform and database sessions.

Handlers that write take ``write_session`` (on SQLite it holds the write lock from its first
statement) and commit in the service before rendering; ``db_session`` is for reading. Both are
closed (rolled back if not committed) when the request ends.
"""

from __future__ import annotations

from typing import AsyncIterator

from litestar.datastructures import State
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from core.platform import Platform


def provide_platform(state: State) -> Platform:
    return state.platform


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    async with state.platform.db.read_session() as session:
        yield session


async def provide_write_session(state: State) -> AsyncIterator[AsyncSession]:
    async with state.platform.db.write_session() as session:
        yield session


DEPENDENCIES = {
    "platform": Provide(provide_platform, sync_to_thread=False),
    "db_session": Provide(provide_db_session),
    "write_session": Provide(provide_write_session),
}
