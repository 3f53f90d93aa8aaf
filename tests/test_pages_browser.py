"""The pages in a real browser: Debian's chromium driven by Playwright, at a 360-pixel-wide
phone viewport, against the real `prens serve`. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from prens.config import load_settings
from prens.runtime import open_runtime
from prens.store.officers import Officers
from tests.conftest import SECRET as WEBHOOK_SECRET
from tests.conftest import write_config
from tests.pages_helpers import MEMBERSHIP, SIXTEEN_DIGITS, Person, populate
from tests.serving import ROOT, Served
from webhooks.app import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ROOT / "test-artifacts" / "screenshots"
SECRET = "browser-test-secret"
PHONE = {"width": 360, "height": 740}

if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail(
        "chromium is needed in CI for the page tests (apt-get install chromium)", pytrace=False
    )
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: pages untested"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Person], str]]:
    """`prens serve` on a ledger with a person at each stage, and an officer's token."""
    directory = tmp_path_factory.mktemp("pages")
    config = write_config(directory, {"flush_seconds = 5": "flush_seconds = 3600"})
    runtime = open_runtime(load_settings(config))
    try:
        client = create_app(runtime, WEBHOOK_SECRET, {"TESTING": True}).test_client()
        people = populate(runtime, client)
        token = Officers(runtime.engine).add("Budi Dinas")
    finally:
        runtime.close()
    with Served(config, SECRET) as served:
        yield served.url, people, token


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def phone_page(browser, javascript: bool = True):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript, locale="id-ID")
    return context.new_page()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits_the_phone(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("javascript", [True, False])
def test_a_citizen_checks_their_status_on_a_phone(site, browser, javascript: bool) -> None:  # type: ignore[no-untyped-def]
    url, people, _token = site
    page = phone_page(browser, javascript)
    page.goto(url + "/cek-status")
    p = people["terdaftar"]
    page.get_by_label("NIK (16 angka sesuai KTP)").fill(p.nik)
    page.get_by_label("Tanggal lahir").fill(p.born)
    page.get_by_role("button", name="Cek status").click()
    answer = page.locator("section.box")
    assert "Terdaftar" in answer.inner_text()
    assert f"Nomor kepesertaan Anda: {MEMBERSHIP}" in answer.inner_text()
    assert page.url.removeprefix(url) == "/cek-status"  # nothing of the NIK in the address
    assert not SIXTEEN_DIGITS.search(page.content())
    assert fits_the_phone(page)
    shot(page, "cek-status-terdaftar" + ("" if javascript else "-tanpa-js"))
    page.context.close()


def test_the_keyboard_alone_gets_an_answer(site, browser) -> None:  # type: ignore[no-untyped-def]
    url, people, _token = site
    page = phone_page(browser)
    page.goto(url + "/cek-status")
    p = people["perbaikan"]
    page.locator("#nik").focus()
    page.keyboard.type(p.nik)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "tanggal_lahir"
    page.locator("#tanggal_lahir").fill(p.born)
    page.keyboard.press("Enter")
    text = page.locator("section.box").inner_text()
    assert "Perlu diperbaiki" in text and "Nomor HP tidak dapat dibaca" in text
    shot(page, "cek-status-perlu-perbaikan")
    page.context.close()


def test_the_public_list_is_searched_on_a_phone(site, browser) -> None:  # type: ignore[no-untyped-def]
    url, people, _token = site
    page = phone_page(browser)
    page.goto(url + "/daftar-penerima")
    assert page.locator("tbody tr").count() == 3
    page.get_by_label("Cari nama atau desa").fill("rusmini")
    page.get_by_role("button", name="Cari").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "RUSMINI" in rows.inner_text()
    assert "631106**********" in rows.inner_text()
    page.get_by_label("Kecamatan").select_option("Juai")
    page.get_by_label("Cari nama atau desa").fill("")
    page.get_by_role("button", name="Cari").click()
    assert "HJ ALUH" in page.locator("tbody").inner_text()
    assert not SIXTEEN_DIGITS.search(page.content()) and fits_the_phone(page)
    shot(page, "daftar-penerima")
    page.context.close()


def test_the_dinas_opens_the_dashboard_after_logging_in(site, browser) -> None:  # type: ignore[no-untyped-def]
    url, _people, token = site
    page = phone_page(browser)
    page.goto(url + "/dinas/dashboard")
    assert page.url.endswith("/dinas/masuk")
    shot(page, "dinas-masuk")
    page.get_by_label("Nama petugas").fill("Budi Dinas")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Masuk").click()
    assert page.url.endswith("/dinas/dashboard")
    assert page.get_by_role("heading", name="Dasbor Dinas").is_visible()
    assert page.locator("svg[role=img]").count() == 4
    assert "6" in page.locator(".figure").first.inner_text()
    assert fits_the_phone(page)
    shot(page, "dinas-dashboard")
    # The Berita Acara was 750 px wide on a phone: its table scrolls, the signatures stack.
    page.goto(url + "/dinas/berita-acara")
    assert page.get_by_role("heading", name="BERITA ACARA HASIL VERIFIKASI").is_visible()
    assert fits_the_phone(page)
    shot(page, "berita-acara")
    page.context.close()


def test_the_screenshots_are_saved() -> None:
    """Runs last in this module: the artifacts of the tests above are on disk."""
    names = {p.name for p in Path(SHOTS).glob("*.png")} if SHOTS.exists() else set()
    assert {"cek-status-terdaftar.png", "daftar-penerima.png", "dinas-dashboard.png"} <= names
