"""migration tracking: runs, throughput samples, server state events

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("servers", sa.JSON(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("objects_total", sa.Integer(), nullable=False),
        sa.Column("objects_done", sa.Integer(), nullable=False),
        sa.Column("bytes_total", sa.Integer(), nullable=False),
        sa.Column("bytes_done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("rate_bps", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_runs")),
    )
    op.create_table(
        "tracking_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bytes_done", sa.Integer(), nullable=False),
        sa.Column("rate_bps", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["tracking_runs.id"],
            name=op.f("fk_tracking_samples_run_id_tracking_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_samples")),
    )
    op.create_index(
        op.f("ix_tracking_samples_run_id"), "tracking_samples", ["run_id"], unique=False
    )
    op.create_table(
        "tracking_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("server", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_events")),
    )
    op.create_index(op.f("ix_tracking_events_server"), "tracking_events", ["server"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tracking_events_server"), table_name="tracking_events")
    op.drop_table("tracking_events")
    op.drop_index(op.f("ix_tracking_samples_run_id"), table_name="tracking_samples")
    op.drop_table("tracking_samples")
    op.drop_table("tracking_runs")
