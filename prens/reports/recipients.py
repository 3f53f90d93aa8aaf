"""The public list of recipients (`/daftar-penerima`): registrations verified or further along.

Only name, desa, kecamatan, status and the masked NIK leave this module: never the date of
birth, KK, phone or membership number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from prens.rules.identity import mask
from prens.rules.lifecycle import BERKAS_LENGKAP, TERDAFTAR, TERVERIFIKASI
from prens.rules.registration import ACCEPTED
from prens.store.ledger import registrations
from prens.store.sql import json_text

PUBLIC_STATES = (TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR)
nama_col, desa_col, kecamatan_col, nik_col = (
    json_text(registrations.c.person, key) for key in ("nama", "desa", "kecamatan", "nik")
)


@dataclass(frozen=True)
class Recipient:
    nama: str
    desa: str
    kecamatan: str
    nik_masked: str
    status: str


@dataclass(frozen=True)
class Page:
    rows: list[Recipient]
    total: int  # matching rows, all pages
    page: int  # 1-based
    pages: int


def recipients(
    engine: Engine, query: str = "", kecamatan: str = "", page: int = 1, size: int = 50
) -> Page:
    """One page of the public list, searched by name or desa, filtered by kecamatan."""
    where = [registrations.c.status == ACCEPTED, registrations.c.state.in_(PUBLIC_STATES)]
    words = " ".join(query.split()).lower()
    if words:
        where.append(
            func.lower(nama_col).contains(words, autoescape=True)
            | func.lower(desa_col).contains(words, autoescape=True)
        )
    if kecamatan:
        where.append(kecamatan_col == kecamatan)
    with engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(registrations).where(*where)
        ).scalar_one()
        pages = max(1, -(-total // size))
        page = min(max(1, page), pages)
        rows = conn.execute(
            select(nama_col, desa_col, kecamatan_col, nik_col, registrations.c.state)
            .where(*where)
            .order_by(kecamatan_col, desa_col, nama_col, registrations.c.seq)
            .limit(size)
            .offset((page - 1) * size)
        ).all()
    return Page(
        [Recipient(r[0] or "", r[1] or "", r[2] or "", mask(r[3] or ""), r[4]) for r in rows],
        total,
        page,
        pages,
    )
