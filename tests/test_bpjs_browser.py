"""The BPJS upload in a real browser: Debian's chromium at 360 pixels, against the real
`prens serve`: sign in, upload the branch's result file, read the preview (nothing changed),
confirm, and see it applied; the sheet has the number, once."""

from __future__ import annotations

from pathlib import Path

import pytest

from prens.config import load_settings
from prens.runtime import open_runtime
from prens.store.officers import Officers
from sheets_bridge.membership import current_numbers
from tests.bpjs_helpers import xlsx
from tests.conftest import SECRET as WEBHOOK_SECRET
from tests.conftest import write_config
from tests.pages_helpers import SIXTEEN_DIGITS, populate
from tests.serving import Served
from tests.test_pages_browser import CHROMIUM, browser, fits_the_phone, phone_page, shot
from webhooks.app import create_app

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: pages untested"),
]
__all__ = ["browser"]  # the fixture, shared with the page tests


def test_an_officer_uploads_previews_and_confirms(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, {"flush_seconds = 5": "flush_seconds = 3600"})
    runtime = open_runtime(load_settings(config))
    try:
        client = create_app(runtime, WEBHOOK_SECRET, {"TESTING": True}).test_client()
        people = populate(runtime, client)
        token = Officers(runtime.engine).add("Budi Dinas")
    finally:
        runtime.close()
    result = tmp_path / "hasil-bpjs.xlsx"
    result.write_bytes(
        xlsx(
            [
                ["NIK", "Nama", "KPJ"],
                [people["berkas"].nik, people["berkas"].nama, "25000000031"],
                [people["menunggu"].nik, people["menunggu"].nama, "25000000011"],
                ["6311069999990001", "Orang Lain", "123456789"],
            ],
            title_rows=1,
        )
    )
    with Served(config, "browser-test-secret") as served:
        page = phone_page(browser, javascript=False)
        page.goto(served.url + "/dinas/bpjs/")
        assert page.url.endswith("/dinas/masuk")
        page.get_by_label("Nama petugas").fill("Budi Dinas")
        page.get_by_label("Token").fill(token)
        page.get_by_role("button", name="Masuk").click()
        page.goto(served.url + "/dinas/bpjs/")
        page.get_by_label("Berkas hasil BPJS").set_input_files(str(result))
        page.get_by_role("button", name="Unggah dan lihat pratinjau").click()
        assert page.get_by_role("heading", name="Pratinjau: belum ada yang berubah").is_visible()
        text = page.inner_text("main")
        assert "Akan diisi" in text and "NIK tidak ada di daftar pendaftar" in text
        assert not SIXTEEN_DIGITS.search(text)
        assert fits_the_phone(page)
        shot(page, "bpjs-pratinjau")
        page.get_by_role("button", name="Terapkan 1 nomor").click()
        assert page.get_by_role("heading", name="Diterapkan").is_visible()
        shot(page, "bpjs-diterapkan")
        page.go_back()
        page.reload()
        assert page.get_by_role("heading", name="Sudah diterapkan").is_visible()
        page.context.close()
    runtime = open_runtime(load_settings(config))
    try:
        numbers = current_numbers(runtime.sheets, runtime.settings)
        assert numbers[people["berkas"].id] == "25000000031"
        assert numbers[people["menunggu"].id] == ""
    finally:
        runtime.close()
