"""Alembic environment: runs on the connection skylift hands over (no logging config)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from skylift.workspace.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # developer use: alembic -x url=sqlite:///... revision --autogenerate
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite://")
    with create_engine(url).connect() as conn:
        _run(conn)
