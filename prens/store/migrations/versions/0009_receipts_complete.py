"""A desa receipt says whether the documents are complete: `office_receipts.complete`. Receipts
recorded before were taken as complete (they ticked `Berkas Diterima`), and stay so.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("office_receipts") as batch:
        batch.add_column(
            sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("office_receipts") as batch:
        batch.drop_column("complete")
