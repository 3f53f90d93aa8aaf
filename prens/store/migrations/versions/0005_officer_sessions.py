"""Officers' signed-in sessions, kept on the server (logout and idle timeout end them).

Revision ID: 0005
Revises: 0004
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
        "officer_sessions",
        sa.Column("id_sha256", sa.String(length=64), nullable=False),
        sa.Column("officer", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id_sha256"),
    )
    op.create_index(
        op.f("ix_officer_sessions_officer"), "officer_sessions", ["officer"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_officer_sessions_officer"), table_name="officer_sessions")
    op.drop_table("officer_sessions")
