"""Desa and kecamatan offices: their accounts, the documents they receive, and each
registration's desa code (filled from the stored answers, so existing registrations show on
their office's list at once), with an index for a desa's registrations and the counts
per desa and state.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_BATCH = 1000


def _fill_desa_codes() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, person FROM registrations")).all()
    codes = []
    for reg_id, person in rows:
        try:
            code = json.loads(person).get("kode_desa")
        except (ValueError, AttributeError):
            code = None
        if isinstance(code, str) and code:
            codes.append({"id": reg_id, "code": code[:20]})
    update = sa.text("UPDATE registrations SET desa_code = :code WHERE id = :id")
    for start in range(0, len(codes), _BATCH):
        conn.execute(update, codes[start : start + _BATCH])


def upgrade() -> None:
    op.add_column("registrations", sa.Column("desa_code", sa.String(length=20), nullable=True))
    _fill_desa_codes()
    op.create_index(
        "ix_registrations_desa", "registrations", ["desa_code", "state", "id"], unique=False
    )
    op.create_table(
        "offices",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("region_code", sa.String(length=20), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index(op.f("ix_offices_region_code"), "offices", ["region_code"], unique=False)
    op.create_table(
        "office_receipts",
        sa.Column("registration_id", sa.String(length=16), nullable=False),
        sa.Column("office", sa.String(length=80), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("pushed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("registration_id"),
    )
    op.create_index(
        op.f("ix_office_receipts_pushed_at"), "office_receipts", ["pushed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_office_receipts_pushed_at"), table_name="office_receipts")
    op.drop_table("office_receipts")
    op.drop_index(op.f("ix_offices_region_code"), table_name="offices")
    op.drop_table("offices")
    op.drop_index("ix_registrations_desa", table_name="registrations")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("desa_code")
