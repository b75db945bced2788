"""skylift optimize runs (#21)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 03:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "optimizations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prometheus", sa.Text(), nullable=False),
        sa.Column("window_days", sa.Float(), nullable=False),
        sa.Column("vms", sa.Integer(), nullable=False),
        sa.Column("containers", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optimizations")),
    )
    op.create_index(
        op.f("ix_optimizations_created_at"), "optimizations", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_optimizations_created_at"), table_name="optimizations")
    op.drop_table("optimizations")
