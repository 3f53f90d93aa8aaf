"""Alembic's environment: the ledger's metadata, on the connection `prens.store.migrate` hands
over."""

from __future__ import annotations

from alembic import context

from prens.store.migrate import target_metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - prens always hands a connection over
    raise RuntimeError("run migrations through `prens db upgrade`")
context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
