"""Fingerprints move into the registrations they belong to: one row and one index fewer to
write for each submission, inside the write lock.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_FROM_TABLE = """
UPDATE registrations SET
  fp_hash = (SELECT f.name_hash FROM response_fingerprints f
             WHERE f.registration_id = registrations.id),
  fp_second = (SELECT f.second FROM response_fingerprints f
               WHERE f.registration_id = registrations.id)
"""
_TO_TABLE = """
INSERT INTO response_fingerprints
  (response_key, name_hash, second, has_response_id, registration_id)
SELECT response_key, fp_hash, fp_second, response_key LIKE 'rid:%', id
FROM registrations WHERE fp_hash IS NOT NULL
"""


def upgrade() -> None:
    op.add_column("registrations", sa.Column("fp_hash", sa.String(length=40), nullable=True))
    op.add_column("registrations", sa.Column("fp_second", sa.BigInteger(), nullable=True))
    op.execute(_FROM_TABLE)
    op.create_index(
        "ix_registrations_fingerprint", "registrations", ["fp_hash", "fp_second"], unique=False
    )
    op.drop_index(
        op.f("ix_response_fingerprints_registration_id"), table_name="response_fingerprints"
    )
    op.drop_index("ix_response_fingerprints_match", table_name="response_fingerprints")
    op.drop_table("response_fingerprints")


def downgrade() -> None:
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
    op.execute(_TO_TABLE)
    op.drop_index("ix_registrations_fingerprint", table_name="registrations")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("fp_second")
        batch.drop_column("fp_hash")
