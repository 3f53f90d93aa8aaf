"""The storage floor of a BPJS import: the rows `prens bpjs import --apply` writes for a 20,000-row
file, written with the sqlite3 module alone (no SQLAlchemy, no reading of the file, no matching,
no judging), in the same transactions and with the same durability.

    python bench/bpjs_floor.py [--rows 20000] [--rounds 3]

It prepares the same ledger as bench/bpjs_import.py, then times, on a fresh copy each round:
- the import: every row's number set in the sheet (each row's cells read, decoded, set, encoded
  and written back) and an audit entry each, in one transaction that waits for the disk;
- the sync: the sheet's columns, the registrations and what the last sync saw read, then per
  25 registrations, in a transaction that does not wait for the disk, what the sync stores (the
  cells seen, the state, the first entry, three audit entries, the message), and then Status
  written back to each row the same way.
What `bpjs import --apply` takes beyond this floor is the work of the program itself: reading
the file, matching, judging, and SQLAlchemy's handling of each row. For the last, it also times
60,000 audit entries (the sync's three per registration) in transactions of 75, with sqlite3 and
through SQLAlchemy Core as the program writes them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bpjs_import import prepare  # noqa: E402
from prens.store.database import make_engine, write_transaction  # noqa: E402
from prens.store.schema import audit_log  # noqa: E402

CHUNK = 25  # prens.store.database.WRITE_CHUNK_ROWS
AT = "2026-11-30 10:00:00.000000"


def _rewrite(db: sqlite3.Connection, places: list[int], cells: dict[int, str]) -> None:
    """The local sheet's write: each row read, decoded, its cells set, encoded and written."""
    marks = ",".join("?" * len(places))
    found = db.execute(
        "SELECT row_no, cells FROM sheet_rows"
        f" WHERE worksheet = 'Pendaftar' AND row_no IN ({marks})",
        places,
    ).fetchall()
    changes = []
    for row_no, text in found:
        row = json.loads(text)
        for index, value in cells.items():
            row += [""] * (index + 1 - len(row))
            row[index] = value
        changes.append((json.dumps(row, ensure_ascii=False), row_no))
    db.executemany(
        "UPDATE sheet_rows SET cells = ? WHERE worksheet = 'Pendaftar' AND row_no = ?", changes
    )


def _transaction(db: sqlite3.Connection, durable: bool) -> None:
    db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    db.execute("BEGIN IMMEDIATE")


def floor(path: Path) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    start = time.perf_counter()
    head = json.loads(
        db.execute(
            "SELECT cells FROM sheet_rows WHERE worksheet = 'Pendaftar' AND row_no = 1"
        ).fetchone()[0]
    )
    number, status = head.index("Nomor Kepesertaan BPJS"), head.index("Status")
    places = [
        r[0]
        for r in db.execute(
            "SELECT row_no FROM sheet_rows WHERE worksheet = 'Pendaftar' AND row_no > 1"
        )
    ]
    ids = [f"BLG-{i:06d}" for i in range(len(places))]
    # The import: numbers in the sheet and an audit entry each, one durable transaction.
    _transaction(db, durable=True)
    for at in range(0, len(places), 5000):
        _rewrite(db, places[at : at + 5000], {number: "25000000000"})
    db.executemany(
        "INSERT INTO audit_log (registration_id, at, kind, actor, detail) VALUES (?, ?, ?, ?, ?)",
        [(i, AT, "bpjs_import", "cli", json.dumps({"column": "KPJ", "after": "x"})) for i in ids],
    )
    db.execute("COMMIT")
    # The sync's reads.
    db.execute(
        "SELECT json_extract(cells, '$[0]'), json_extract(cells, ?) FROM sheet_rows "
        "WHERE worksheet = 'Pendaftar' AND row_no > 1",
        (f"$[{number}]",),
    ).fetchall()
    db.execute(
        "SELECT id, state, problems, json_extract(person, '$.tanggal_lahir') FROM registrations"
    ).fetchall()
    seen = {
        r: json.loads(c) for r, c in db.execute("SELECT registration_id, cells FROM verifications")
    }
    # What the sync stores, 25 registrations a transaction, not durable.
    for at in range(0, len(ids), CHUNK):
        chunk = ids[at : at + CHUNK]
        _transaction(db, durable=False)
        db.executemany(
            "INSERT INTO verifications (registration_id, cells, notes, seen_at)"
            " VALUES (?, ?, '', ?)"
            " ON CONFLICT (registration_id) DO UPDATE SET cells = excluded.cells,"
            " notes = excluded.notes, seen_at = excluded.seen_at",
            [(i, json.dumps({**seen.get(i, {}), "KPJ": "x"}), AT) for i in chunk],
        )
        db.executemany(
            "UPDATE registrations SET state = 'TERDAFTAR' WHERE id = ?", [(i,) for i in chunk]
        )
        db.executemany(
            "INSERT INTO state_entries (registration_id, state, entered_at)"
            " VALUES (?, 'TERDAFTAR', ?)"
            " ON CONFLICT DO NOTHING",
            [(i, AT) for i in chunk],
        )
        details = (
            {"column": "KPJ", "before": "", "after": "x"},
            {"from": "A", "to": "B"},
            {"state": "B"},
        )
        db.executemany(
            "INSERT INTO audit_log (registration_id, at, kind, actor, detail)"
            " VALUES (?, ?, ?, 'sync', ?)",
            [
                (i, AT, kind, json.dumps(d))
                for i in chunk
                for kind, d in zip(("cell", "state", "first_entry"), details, strict=True)
            ],
        )
        db.executemany(
            "INSERT INTO notifications (registration_id, event, status, attempts, next_attempt_at,"
            " reference, reason, created_at, updated_at, written_back)"
            " VALUES (?, 'terdaftar', 'pending', 0, ?, '', '', ?, ?, 0) ON CONFLICT DO NOTHING",
            [(i, AT, AT, AT) for i in chunk],
        )
        db.execute("COMMIT")
    # Status written back, 25 rows a transaction, not durable.
    for at in range(0, len(places), CHUNK):
        _transaction(db, durable=False)
        _rewrite(db, places[at : at + CHUNK], {status: "TERDAFTAR"})
        db.execute("COMMIT")
    took = time.perf_counter() - start
    db.close()
    return took


def audit_entries(path: Path) -> tuple[float, float]:
    """60,000 audit entries in transactions of 75 (not durable): (sqlite3, SQLAlchemy Core)."""
    at = datetime(2026, 11, 30, 10, 0)
    detail = json.dumps({"from": "BERKAS LENGKAP", "to": "TERDAFTAR", "move": "advance"})
    entries = [(f"BLG-{i // 3:06d}", "state", "sync", detail) for i in range(60000)]
    db = sqlite3.connect(path, isolation_level=None)
    start = time.perf_counter()
    for first in range(0, len(entries), 3 * CHUNK):
        _transaction(db, durable=False)
        db.executemany(
            "INSERT INTO audit_log (registration_id, at, kind, actor, detail)"
            " VALUES (?, ?, ?, ?, ?)",
            [(r, AT, k, a, d) for r, k, a, d in entries[first : first + 3 * CHUNK]],
        )
        db.execute("COMMIT")
    raw = time.perf_counter() - start
    db.close()
    engine = make_engine(f"sqlite:///{path}")
    statement = insert(audit_log)
    start = time.perf_counter()
    for first in range(0, len(entries), 3 * CHUNK):
        with write_transaction(engine, durable=False) as conn:
            conn.execute(
                statement,
                [
                    {"registration_id": r, "at": at, "kind": k, "actor": a, "detail": d}
                    for r, k, a, d in entries[first : first + 3 * CHUNK]
                ],
            )
    core = time.perf_counter() - start
    engine.dispose()
    return raw, core


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000, help="people and lines in the file")
    parser.add_argument("--rounds", type=int, default=3, help="fresh copies timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared"
        prepared.mkdir()
        prepare(prepared, args.rows)
        times, raw, core = [], [], []
        for n in range(args.rounds):
            copy = Path(tmp) / f"round{n}"
            shutil.copytree(prepared / "data", copy)
            times.append(floor(copy / "prens.db"))
            shutil.rmtree(copy)
            shutil.copytree(prepared / "data", copy)
            audit = audit_entries(copy / "prens.db")
            raw.append(audit[0])
            core.append(audit[1])
            print(
                f"round {n + 1}: floor {times[-1]:.2f} s; 60,000 audit entries: sqlite3 "
                f"{audit[0]:.2f} s, SQLAlchemy Core {audit[1]:.2f} s"
            )
    print(f"storage floor of a {args.rows}-row apply: median {statistics.median(times):.2f} s")
    print(
        f"60,000 audit entries: sqlite3 {statistics.median(raw):.2f} s, SQLAlchemy Core "
        f"{statistics.median(core):.2f} s (median)"
    )
    print(f"rerun: python bench/bpjs_floor.py --rows {args.rows} --rounds {args.rounds}")


if __name__ == "__main__":
    main()
