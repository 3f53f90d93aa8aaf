"""The floor of this stack: a bare Flask endpoint that inserts the raw body into SQLite.

Same server (waitress), same thread count, same SQLite settings (WAL, synchronous=FULL) as
`prens serve`; no signature, no validation, no ledger logic.
    python bench/floor_app.py PORT DB_PATH THREADS
"""

from __future__ import annotations

import sqlite3
import sys
import threading

from flask import Flask, jsonify, request
from waitress import serve

port, db_path, threads = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
local = threading.local()


def connection() -> sqlite3.Connection:
    if not hasattr(local, "conn"):
        conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS submissions (id INTEGER PRIMARY KEY, body TEXT)")
        local.conn = conn
    return local.conn


app = Flask(__name__)


@app.post("/webhooks/google-form")
def insert():  # type: ignore[no-untyped-def]
    cur = connection().execute(
        "INSERT INTO submissions (body) VALUES (?)", (request.get_data(as_text=True),)
    )
    return jsonify(id=cur.lastrowid, status="accepted", problems=[])


@app.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return jsonify(status="ok")


serve(app, host="127.0.0.1", port=port, threads=threads, ident="floor")
