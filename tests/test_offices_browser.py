"""A desa office in a real browser: Debian's chromium at 360 pixels without JavaScript, against
the real `prens serve`. It signs in, sees exactly its verified people, records a receipt; after
the sync the verifiers' sheet has `Berkas Diterima` ticked and the state BERKAS LENGKAP, and the
audit names the office. The office of another desa sees none of them and is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.sync import sync
from prens.config import load_settings
from prens.rules.offices import DESA
from prens.runtime import open_runtime
from tests.conftest import SECRET as WEBHOOK_SECRET
from tests.conftest import write_config
from tests.lifecycle_helpers import status
from tests.offices_helpers import BALANG, LASUNG_BATU, office, populate
from tests.pages_helpers import SIXTEEN_DIGITS
from tests.serving import Served
from tests.test_pages_browser import CHROMIUM, browser, fits_the_phone, phone_page, shot
from webhooks.app import create_app

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: pages untested"),
]
__all__ = ["browser"]  # the fixture, shared with the page tests


def sign_in(page, url: str, name: str, token: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/kantor/")
    assert page.url.endswith("/kantor/masuk")
    page.get_by_label("Nama kantor").fill(name)
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Masuk").click()


def test_a_desa_office_records_documents_received(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    config = write_config(
        tmp_path,
        {"flush_seconds = 5": "flush_seconds = 3600", "sync_seconds = 60": "sync_seconds = 3600"},
    )
    runtime = open_runtime(load_settings(config))
    try:
        client = create_app(runtime, WEBHOOK_SECRET, {"TESTING": True}).test_client()
        people = populate(runtime, client)
        lasung = office(runtime, "Desa Lasung Batu", DESA, LASUNG_BATU)
        balang = office(runtime, "Desa Balang", DESA, BALANG)
    finally:
        runtime.close()
    ani = people["ani"]
    with Served(config, "browser-test-secret") as served:
        page = phone_page(browser, javascript=False)
        sign_in(page, served.url, "Desa Lasung Batu", lasung)
        assert page.get_by_role("heading", name="Desa Lasung Batu, Kecamatan Paringin").is_visible()
        text = page.inner_text("main")
        waiting = text[text.index("Menunggu berkas") : text.index("Berkas diterima (")]
        assert "ANI LESTARI" in waiting and "BUDI SANTOSO" in waiting
        assert "FAJAR NUGRAHA" not in text and "HADI WIJAYA" not in text
        assert not SIXTEEN_DIGITS.search(text)
        assert fits_the_phone(page)
        shot(page, "kantor-desa")
        page.locator(f"a[href='/kantor/berkas/{ani.id}']").click()
        page.get_by_label("Belum lengkap").check()  # she brought her KTP, not her KK
        page.get_by_label("Fotokopi KK").check()
        shot(page, "kantor-berkas")
        page.get_by_role("button", name="Simpan").click()
        assert page.get_by_text(f"Berkas {ani.id} dicatat belum lengkap").is_visible()
        waiting = page.inner_text("main")
        assert "Belum lengkap" in waiting and "Fotokopi KK belum dibawa" in waiting
        page.get_by_role("link", name="Catat sisa berkas").click()  # the KK, a day later
        page.get_by_label("Lengkap", exact=True).check()
        page.get_by_role("button", name="Simpan").click()
        assert page.get_by_text(f"Berkas {ani.id} dicatat diterima").is_visible()
        assert fits_the_phone(page)
        page.get_by_role("link", name="Versi cetak (A4)").click()
        assert "Petugas penerima berkas" in page.inner_text("body")
        shot(page, "kantor-cetak")
        page.context.close()

        other = phone_page(browser, javascript=False)
        sign_in(other, served.url, "Desa Balang", balang)
        text = other.inner_text("main")
        assert "FAJAR NUGRAHA" in text and "ANI LESTARI" not in text and "BUDI SANTOSO" not in text
        other.goto(served.url + f"/kantor/berkas/{people['budi'].id}")
        assert "tidak ada dalam daftar kantor ini" in other.inner_text("main")
        other.goto(served.url + "/dinas/dashboard")
        assert other.url.endswith("/dinas/masuk")  # an office is no Dinas officer
        other.context.close()
    runtime = open_runtime(load_settings(config))
    try:
        sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
        rows = runtime.sheets.get_all_values("Pendaftar")
        row = next(r for r in rows if r[0] == ani.id)
        assert row[rows[0].index("Berkas Diterima")] == "TRUE"
        assert status(runtime, ani.id)[0] == "BERKAS LENGKAP"
        assert status(runtime, people["budi"].id)[0] == "TERVERIFIKASI"
        audit = [e for e in runtime.verification().history(ani.id) if e.kind == "receipt"]
        assert [(e.actor, e.detail["note"], e.detail["complete"]) for e in audit] == [
            ("kantor:Desa Lasung Batu", "Fotokopi KK belum dibawa", False),
            ("kantor:Desa Lasung Batu", "", True),
        ]
    finally:
        runtime.close()
