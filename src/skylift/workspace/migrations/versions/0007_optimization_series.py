"""skylift optimize: usage over time per VM and container (#21)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "optimization_series",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("bucket_s", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["optimizations.id"],
            name=op.f("fk_optimization_series_run_id_optimizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "kind", "key", name=op.f("pk_optimization_series")),
    )
    op.create_index(
        "ix_optimization_series_rank", "optimization_series", ["run_id", "kind", "score"]
    )


def downgrade() -> None:
    op.drop_index("ix_optimization_series_rank", table_name="optimization_series")
    op.drop_table("optimization_series")
