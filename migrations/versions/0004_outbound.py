"""outbound deliveries: claim leases (claims, claimed_by), partial index of parked ones

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-29 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claims", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=120), nullable=True))
        batch_op.create_index(
            "ix_delivery_dead",
            ["subscription_id", "id"],
            unique=False,
            postgresql_where=sa.text("state = 'dead'"),
            sqlite_where=sa.text("state = 'dead'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_dead")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("claims")
