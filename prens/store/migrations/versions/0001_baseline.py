"""The tables of the first release: registrations, leases, verification, outbox, officers,
local sheet.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registration_id", sa.String(length=16), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index(
        op.f("ix_audit_log_registration_id"), "audit_log", ["registration_id"], unique=False
    )
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registration_id", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("written_back", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("registration_id", "event"),
    )
    op.create_index(
        op.f("ix_notifications_registration_id"), "notifications", ["registration_id"], unique=False
    )
    op.create_index(op.f("ix_notifications_status"), "notifications", ["status"], unique=False)
    op.create_table(
        "officers",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_table(
        "registrations",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("response_key", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("nik", sa.String(length=64), nullable=True),
        sa.Column("active_nik", sa.String(length=16), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("person", sa.Text(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("duplicate_of", sa.String(length=16), nullable=True),
        sa.Column("corrects", sa.String(length=16), nullable=True),
        sa.Column("corrected_by", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=30), nullable=True),
        sa.Column("sheet_target", sa.String(length=20), nullable=True),
        sa.Column("flushed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("active_nik"),
        sa.UniqueConstraint("id"),
        sa.UniqueConstraint("response_key"),
    )
    op.create_index(
        op.f("ix_registrations_flushed_at"), "registrations", ["flushed_at"], unique=False
    )
    op.create_index(op.f("ix_registrations_nik"), "registrations", ["nik"], unique=False)
    op.create_index(op.f("ix_registrations_phone"), "registrations", ["phone"], unique=False)
    op.create_table(
        "sheet_layouts",
        sa.Column("worksheet", sa.String(length=100), nullable=False),
        sa.Column("layout", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("worksheet"),
    )
    op.create_table(
        "sheet_rows",
        sa.Column("worksheet", sa.String(length=100), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("worksheet", "row_no"),
    )
    op.create_table(
        "sheet_worksheets",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "state_entries",
        sa.Column("registration_id", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("registration_id", "state"),
    )
    op.create_table(
        "verifications",
        sa.Column("registration_id", sa.String(length=16), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("registration_id"),
    )


def downgrade() -> None:
    op.drop_table("verifications")
    op.drop_table("state_entries")
    op.drop_table("sheet_worksheets")
    op.drop_table("sheet_rows")
    op.drop_table("sheet_layouts")
    op.drop_index(op.f("ix_registrations_phone"), table_name="registrations")
    op.drop_index(op.f("ix_registrations_nik"), table_name="registrations")
    op.drop_index(op.f("ix_registrations_flushed_at"), table_name="registrations")
    op.drop_table("registrations")
    op.drop_table("officers")
    op.drop_index(op.f("ix_notifications_status"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_registration_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("job_leases")
    op.drop_index(op.f("ix_audit_log_registration_id"), table_name="audit_log")
    op.drop_table("audit_log")
