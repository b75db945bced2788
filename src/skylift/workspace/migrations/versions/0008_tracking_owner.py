"""migration tracking: the process that runs each transfer (pid, its start, host) (#12)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tracking_runs") as batch:
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pid_start", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("host", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tracking_runs") as batch:
        batch.drop_column("host")
        batch.drop_column("pid_start")
        batch.drop_column("pid")
