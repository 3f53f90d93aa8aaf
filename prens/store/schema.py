"""Every table of a deployment's database, in one MetaData: the ledger, job state, the audit log,
the outbox, officers and their sessions, rate limits, and the embedded local sheet. The migrations
(prens/store/migrations) build exactly these (tests/test_migrate.py checks it)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)

metadata = MetaData()


registrations = Table(
    "registrations",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(16), nullable=False, unique=True),
    Column("response_key", String(200), nullable=False, unique=True),
    Column("submitted_at", DateTime, nullable=False),  # UTC, as the form stamped it
    Column("received_at", DateTime, nullable=False),  # UTC, when the ledger committed it
    Column("status", String(20), nullable=False),
    Column("nik", String(64), index=True),
    Column("active_nik", String(16), unique=True),  # set only while this is the NIK's live row
    Column("phone", String(20), index=True),
    Column("person", Text, nullable=False),  # normalised answers, JSON
    Column("answers", Text, nullable=False),  # answers as received, JSON
    Column("problems", Text, nullable=False),  # JSON list of problems
    Column("duplicate_of", String(16)),
    Column("corrects", String(16)),
    Column("corrected_by", String(16)),
    Column("state", String(30)),  # lifecycle, for accepted registrations
    Column("sheet_target", String(20)),  # worksheet role it goes to, if any
    Column("flushed_at", DateTime, index=True),
    # The response's fingerprint (prens.rules.fingerprint): how a response read from the form's
    # responses sheet is known to be one the webhook already stored, and the other way round.
    # Two responses that both carry a form responseId are told apart by it, whatever these say.
    Column("fp_hash", String(40)),  # NULL only for a registration stored before fingerprints
    Column("fp_second", BigInteger),
    # The citizen's desa/kelurahan (Kemendagri code), when intake matched it: an office's list.
    Column("desa_code", String(20)),
    Index("ix_registrations_fingerprint", "fp_hash", "fp_second"),
    # A desa's registrations; and the offices' and the dashboard's counts per desa and state,
    # read from the index alone. Not led by `state`, so the dashboard's scans keep their plans.
    Index("ix_registrations_desa", "desa_code", "state", "id"),
)

job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

# Each run of a scheduled job: which worker ran it, when (operators' view; the failover test).
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(50), nullable=False, index=True),
    Column("worker", String(64), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),  # NULL: running, or its process died
    Column("outcome", String(200)),
)

# Where the reconcile job stopped reading a responses sheet, and what it saw there.
reconcile_cursors = Table(
    "reconcile_cursors",
    metadata,
    Column("source", String(300), primary_key=True),
    Column("next_row", Integer, nullable=False),  # the sheet row to read from next time
    Column("anchor", String(80), nullable=False),  # fingerprint of the row before next_row
    Column("checked_at", DateTime, nullable=False),
    Column("responses", Integer, nullable=False),  # data rows seen at the last run
    Column("lag", Integer, nullable=False),  # of those, not yet in the ledger after the run
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Looked up by registration through the unique (registration_id, event) index.
    Column("registration_id", String(16), nullable=False),
    Column("event", String(30), nullable=False),
    Column("status", String(12), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("reference", String(120), nullable=False, default=""),  # the provider's message id
    Column("reason", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    # No longer read: the sync compares `Notifikasi Terakhir` with the outbox on every run.
    Column("written_back", Boolean, nullable=False, default=False),
    UniqueConstraint("registration_id", "event"),
)

# What verifiers' columns said at the last sync, and the notes the system wrote back.
verifications = Table(
    "verifications",
    metadata,
    Column("registration_id", String(16), primary_key=True),
    Column("cells", Text, nullable=False),  # JSON: header -> value as last read
    Column("notes", Text, nullable=False, default=""),
    Column("seen_at", DateTime, nullable=False),
)

# One row per state a registration has entered: the first entry is the one that notifies.
state_entries = Table(
    "state_entries",
    metadata,
    Column("registration_id", String(16), nullable=False),
    Column("state", String(30), nullable=False),
    Column("entered_at", DateTime, nullable=False),
    UniqueConstraint("registration_id", "state"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("registration_id", String(16), index=True),
    Column("at", DateTime, nullable=False),  # UTC, when the system observed it
    Column("kind", String(20), nullable=False),  # state, regression, cell, note, ...
    Column("actor", String(80), nullable=False),
    Column("detail", Text, nullable=False),  # JSON
)

officers = Table(
    "officers",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

officer_sessions = Table(
    "officer_sessions",
    metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("officer", String(80), nullable=False, index=True),
    Column("started_at", DateTime, nullable=False),
    Column("seen_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
)

# Desa/kelurahan and kecamatan offices: a token each, scoped to one area by its region code (a
# desa renamed in the region data keeps its accounts).
offices = Table(
    "offices",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("level", String(10), nullable=False),  # desa (desa or kelurahan) or kecamatan
    Column("region_code", String(20), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)

# Documents received at a desa office, until the sync has ticked them in the verifiers' sheet.
office_receipts = Table(
    "office_receipts",
    metadata,
    Column("registration_id", String(16), primary_key=True),
    Column("office", String(80), nullable=False),
    Column("received_at", DateTime, nullable=False),  # UTC
    Column("note", Text, nullable=False, default=""),  # what is still missing, if anything
    # False: the documents brought are not all there; Berkas Diterima is not ticked.
    Column("complete", Boolean, nullable=False, server_default=true()),
    Column("pushed_at", DateTime, index=True),  # NULL: not yet written to the sheet
)

rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", Float, nullable=False),  # Unix time
)

worksheets = Table(
    "sheet_worksheets",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", Integer, nullable=False),
)

layouts = Table(
    "sheet_layouts",
    metadata,
    Column("worksheet", String(100), primary_key=True),
    Column("layout", Text, nullable=False),  # JSON: what setup made of the worksheet
)

rows_table = Table(
    "sheet_rows",
    metadata,
    Column("worksheet", String(100), primary_key=True),
    Column("row_no", Integer, primary_key=True),  # 1 is the header row
    Column("cells", Text, nullable=False),  # JSON list of strings
)

# Files the BPJS branch sent, as read, kept between an officer's preview and confirmation (an
# import of membership numbers) or for the report's download (a bill). Purged after a week.
bpjs_uploads = Table(
    "bpjs_uploads",
    metadata,
    Column("id", String(40), primary_key=True),  # random: the preview's address
    Column("kind", String(10), nullable=False),  # "import" or "bill"
    Column("file_name", String(200), nullable=False),
    Column("officer", String(80), nullable=False),
    Column("uploaded_at", DateTime, nullable=False, index=True),
    Column("options", Text, nullable=False),  # JSON: accept_name_mismatch, month
    Column("lines", Text, nullable=False),  # JSON: the file's data rows as read
    Column("applied_at", DateTime),  # an import confirmed (once)
    Column("applied_by", String(80)),
)
