"""discovered database servers (skylift discover db, #20)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "databases",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("server_key", sa.String(length=255), nullable=True),
        sa.Column("engine", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("inventory", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_databases")),
    )
    op.create_index(op.f("ix_databases_server_key"), "databases", ["server_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_databases_server_key"), table_name="databases")
    op.drop_table("databases")
