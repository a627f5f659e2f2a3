"""Alembic environment: one environment, a ``core`` branch plus one branch per plugin.

It runs only through ``core.db.migrate``, which passes an open connection (inside a transaction
it commits itself) and the platform in ``config.attributes``.
"""

from __future__ import annotations

from alembic import context

from core.db.base import Base
from core.db.migrate import include_object_for

config = context.config
connection = config.attributes["connection"]
platform = config.attributes["platform"]

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object_for(platform, config.attributes.get("only_owner")),
    render_as_batch=True,  # SQLite needs batch operations to alter tables; PostgreSQL runs them directly
    compare_type=True,
    compare_server_default=True,
    user_module_prefix="core.db.types.",
)
with context.begin_transaction():
    context.run_migrations()
