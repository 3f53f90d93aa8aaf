"""Everything kept in the database: the schema, the ledger, job state, the audit log, the
outbox, officers, rate limits, migrations."""
