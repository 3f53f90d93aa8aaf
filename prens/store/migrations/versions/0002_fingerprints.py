"""Reconcile: response fingerprints and cursors; rate-limit counters of the citizen pages.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "reconcile_cursors",
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("next_row", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.String(length=80), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("lag", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )
    op.create_table(
        "response_fingerprints",
        sa.Column("response_key", sa.String(length=200), nullable=False),
        sa.Column("name_hash", sa.String(length=40), nullable=False),
        sa.Column("second", sa.BigInteger(), nullable=False),
        sa.Column("has_response_id", sa.Boolean(), nullable=False),
        sa.Column("registration_id", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("response_key"),
    )
    op.create_index(
        "ix_response_fingerprints_match",
        "response_fingerprints",
        ["name_hash", "second"],
        unique=False,
    )
    op.create_index(
        op.f("ix_response_fingerprints_registration_id"),
        "response_fingerprints",
        ["registration_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_response_fingerprints_registration_id"), table_name="response_fingerprints"
    )
    op.drop_index("ix_response_fingerprints_match", table_name="response_fingerprints")
    op.drop_table("response_fingerprints")
    op.drop_table("reconcile_cursors")
    op.drop_table("rate_limits")
