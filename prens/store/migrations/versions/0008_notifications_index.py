"""The outbox's index on registration_id alone dropped: the unique (registration_id, event)
index answers the same lookups, and each message written paid for both.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index(op.f("ix_notifications_registration_id"), table_name="notifications")


def downgrade() -> None:
    op.create_index(
        op.f("ix_notifications_registration_id"), "notifications", ["registration_id"], unique=False
    )
