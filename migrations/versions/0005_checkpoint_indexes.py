"""indexes of the checkpoint path: a partial one for the review list instead of the boolean
``flagged`` index; checkpoint ``shipment_id`` dropped (the unique key starts with it); outbox
events indexed only while not fanned out, their unused ``dossier_code`` index dropped; the audit
log's ``at`` dropped (read by entity, or in id order)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_dossier_code")
        batch_op.drop_index("ix_outbox_event_fanned_out_at")
        batch_op.create_index(
            "ix_outbox_event_unfanned",
            ["id"],
            unique=False,
            postgresql_where=sa.text("fanned_out_at IS NULL"),
            sqlite_where=sa.text("fanned_out_at IS NULL"),
        )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_at")
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.drop_index("ix_checkpoint_flagged")
        batch_op.drop_index("ix_checkpoint_shipment_id")
        batch_op.create_index(
            "ix_checkpoint_review",
            ["id"],
            unique=False,
            postgresql_where=sa.text("flagged"),
            sqlite_where=sa.text("flagged"),
        )


def downgrade() -> None:
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.drop_index("ix_checkpoint_review")
        batch_op.create_index("ix_checkpoint_shipment_id", ["shipment_id"], unique=False)
        batch_op.create_index("ix_checkpoint_flagged", ["flagged"], unique=False)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_unfanned")
        batch_op.create_index("ix_outbox_event_fanned_out_at", ["fanned_out_at"], unique=False)
        batch_op.create_index("ix_outbox_event_dossier_code", ["dossier_code"], unique=False)
