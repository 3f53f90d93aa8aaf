"""The BPJS pages (/dinas/bpjs): a signed-in officer downloads the enrolment file, uploads the
branch's result file, sees the preview (nothing changed), confirms once (a second confirmation
applies nothing more), and checks a bill; bad files are answered in words."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from prens.cli import main
from prens.store.schema import audit_log
from sheets_bridge.membership import current_numbers
from tests.bpjs_helpers import UNMASKED, branch_rows, csv_bytes, enrol, nik, xlsx
from tests.databases import allow_inserts, refuse_inserts
from tests.pages_helpers import CSRF, SIXTEEN_DIGITS, sign_in

NUMBER = "Nomor Kepesertaan BPJS"


@pytest.fixture
def signed_in(client, config_path):  # type: ignore[no-untyped-def]
    sign_in(client, config_path)
    return client


def csrf(client) -> str:  # type: ignore[no-untyped-def]
    return CSRF.search(client.get("/dinas/bpjs/").data).group(1).decode()


def upload(client, data: bytes, name: str = "hasil.xlsx", **fields: str):  # type: ignore[no-untyped-def]
    form = {"csrf_token": csrf(client), "berkas": (io.BytesIO(data), name), **fields}
    return client.post("/dinas/bpjs/impor", data=form, content_type="multipart/form-data")


def upload_large(client, data: bytes, name: str):  # type: ignore[no-untyped-def]
    """An upload whose multipart body is made here, in memory: the test client would spool a
    large one to a temporary file that it never closes."""
    body = (
        b'--x\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + csrf(client).encode()
        + f'\r\n--x\r\nContent-Disposition: form-data; name="berkas"; filename="{name}"'.encode()
        + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
        + data
        + b"\r\n--x--\r\n"
    )
    return client.post(
        "/dinas/bpjs/impor", data=body, content_type="multipart/form-data; boundary=x"
    )


def test_pages_need_an_officer(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/dinas/bpjs/").status_code == 302  # to the login page
    assert client.get("/dinas/bpjs/ekspor.xlsx").status_code == 401
    assert client.post("/dinas/bpjs/impor").status_code in (400, 401)


def test_upload_preview_confirm_once(signed_in, runtime) -> None:  # type: ignore[no-untyped-def]
    ids = enrol(runtime, signed_in)
    exported = signed_in.get("/dinas/bpjs/ekspor.xlsx")
    assert exported.status_code == 200
    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    assert len(rows) == 7  # the header and the six BERKAS LENGKAP
    assert any(
        e.detail.get("file") == "bpjs-pendaftaran.xlsx" for e in runtime.verification().downloads()
    )

    rows = [
        ["NIK", "Nama", "KPJ"],
        [nik(0), "ANI", "25000000001"],
        [nik(1), "BUDI", "123456789"],
        ["6311069999990001", "X", "25000000003"],
        [6.3110645079e15, "EKA", "25000000008"],  # a NIK stored as a number
        [nik(2), "CITRA", nik(2)],  # the NIK typed into the number's column
    ]
    reply = upload(signed_in, xlsx(rows))
    assert reply.status_code == 302
    preview_url = reply.headers["Location"]
    preview = signed_in.get(preview_url)
    text = preview.get_data(as_text=True)
    assert "Pratinjau" in text and "Akan diisi" in text and "Terapkan 1 nomor" in text
    assert not SIXTEEN_DIGITS.search(text)  # NIKs masked on the page
    assert "berupa angka" in text and not UNMASKED.search(text)  # the number's NIK too
    assert current_numbers(runtime.sheets, runtime.settings)[ids[0]] == ""

    apply_url = re.search(r'action="([^"]+/terapkan)"', text).group(1)
    token = CSRF.search(preview.data).group(1).decode()
    assert signed_in.post(apply_url).status_code == 400  # no CSRF token: nothing applied
    assert current_numbers(runtime.sheets, runtime.settings)[ids[0]] == ""
    done = signed_in.post(apply_url, data={"csrf_token": token})
    assert done.status_code == 200 and "Diterapkan" in done.get_data(as_text=True)
    assert current_numbers(runtime.sheets, runtime.settings)[ids[0]] == "25000000001"
    audit = [e for e in runtime.verification().history(ids[0]) if e.kind == "bpjs_import"]
    assert len(audit) == 1 and audit[0].actor == "Rahmat"

    # A second confirmation (a double click, the back button) applies nothing more.
    runtime.sheets.update_rows_by_key("Pendaftar", "ID Pendaftaran", {ids[0]: {NUMBER: ""}})
    again = signed_in.post(apply_url, data={"csrf_token": token})
    assert again.status_code == 302
    assert "Sudah diterapkan" in signed_in.get(again.headers["Location"]).get_data(as_text=True)
    assert current_numbers(runtime.sheets, runtime.settings)[ids[0]] == ""
    assert len([e for e in runtime.verification().history(ids[0]) if e.kind == "bpjs_import"]) == 1

    report = signed_in.get(preview_url + "/laporan.xlsx")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.data))["Hasil Impor"]
    assert sheet["B2"].value == nik(0)


@pytest.mark.parametrize(
    ("data", "name", "said"),
    [
        (b"", "kosong.xlsx", "Berkas kosong"),
        (b"%PDF-1.7 ...", "surat.pdf", "hanya berkas .xlsx atau .csv"),
        (b"%PDF-1.7 \x00\x01", "surat.csv", "bukan XLSX atau CSV"),
        (bytes(range(256)) * 4, "acak.csv", "bukan XLSX atau CSV"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "lama.xls", "format Excel lama"),
        (b"PK\x03\x04rusak", "rusak.xlsx", "tidak dapat dibaca sebagai XLSX"),
        (csv_bytes([["Nama", "Alamat"], ["A", "B"]]), "salah.csv", "Ditemukan: Nama, Alamat"),
        (csv_bytes([["NIK", "KPJ"]], delimiter=";"), "judul.csv", "tidak berisi baris data"),
    ],
)
def test_bad_files_are_refused_in_words(signed_in, data: bytes, name: str, said: str) -> None:  # type: ignore[no-untyped-def]
    reply = upload(signed_in, data, name)
    assert reply.status_code == 400
    assert said in reply.get_data(as_text=True)


def test_a_file_over_the_limit_is_refused(signed_in, runtime) -> None:  # type: ignore[no-untyped-def]
    big = b"NIK,KPJ\n" + b"6311064507900001,25000000001\n" * (11 * 1024 * 1024 // 29)
    reply = upload_large(signed_in, big, "besar.csv")
    assert reply.status_code == 413
    assert "lebih dari 10 MB" in reply.get_data(as_text=True)


def test_another_officer_cannot_see_a_preview(signed_in, runtime, config_path, app) -> None:  # type: ignore[no-untyped-def]
    enrol(runtime, signed_in)
    reply = upload(signed_in, xlsx([["NIK", "KPJ"], [nik(0), "25000000001"]]))
    url = reply.headers["Location"]
    other = app.test_client()
    added = CliRunner().invoke(main, ["--config", str(config_path), "officer", "add", "Lain"])
    token = added.output.strip().rsplit(" ", 1)[1]
    token_csrf = CSRF.search(other.get("/dinas/masuk").data).group(1).decode()
    other.post("/dinas/masuk", data={"nama": "Lain", "token": token, "csrf_token": token_csrf})
    assert other.get(url).status_code == 404


def test_a_nul_in_the_file_is_no_database_failure(signed_in, runtime) -> None:  # type: ignore[no-untyped-def]
    enrol(runtime, signed_in)
    rows = [["NIK", "Nama", "KPJ"], [nik(0) + "_x0000_", "AN_x0000_I", "25000000001"]]
    # The file's name too: a NUL in it, and a bidirectional override that would show
    # "hasil\u202exslx.exe" as "hasilexe.xlsx".
    reply = upload(signed_in, xlsx(rows), name="ha\x00sil\u202e.xlsx")
    assert reply.status_code == 302  # the preview, not 503 "Layanan sedang terganggu"
    page = signed_in.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Akan diisi" in page and "hasil.xlsx" in page and "\u202e" not in page


@pytest.mark.parametrize("upload_id", ["a%00b", "%00", "x" * 41, "a.b", "%E2%80%AE"])
def test_an_address_that_is_no_upload_is_not_found(signed_in, upload_id: str) -> None:  # type: ignore[no-untyped-def]
    # A NUL in the address made PostgreSQL refuse the lookup: the page said the service was
    # down (503) instead of "not found".
    token = csrf(signed_in)
    for path in ["impor/{}", "impor/{}/laporan.xlsx", "tagihan/{}", "tagihan/{}/laporan.xlsx"]:
        assert signed_in.get("/dinas/bpjs/" + path.format(upload_id)).status_code == 404
    url = f"/dinas/bpjs/impor/{upload_id}/terapkan"
    assert signed_in.post(url, data={"csrf_token": token}).status_code == 404


def test_the_bill_page(signed_in, runtime) -> None:  # type: ignore[no-untyped-def]
    enrol(runtime, signed_in)
    rows = [["NIK", "Iuran"], ["6311069999990001", 16800], [6.3110645079e15, 16800]]
    form = {
        "csrf_token": csrf(signed_in),
        "bulan": "2026-13",
        "berkas": (io.BytesIO(xlsx(rows)), "tagihan.xlsx"),
    }
    bad = signed_in.post("/dinas/bpjs/tagihan", data=form, content_type="multipart/form-data")
    assert bad.status_code == 400 and "tidak sah" in bad.get_data(as_text=True)
    form = {**form, "bulan": "2026-11", "berkas": (io.BytesIO(xlsx(rows)), "tagihan.xlsx")}
    reply = signed_in.post("/dinas/bpjs/tagihan", data=form, content_type="multipart/form-data")
    assert reply.status_code == 302
    page = signed_in.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Ditagih tetapi bukan peserta terdaftar" in page
    assert not SIXTEEN_DIGITS.search(page)
    assert "berupa angka" in page and not UNMASKED.search(page)  # a NIK stored as a number
    report = signed_in.get(reply.headers["Location"] + "/laporan.xlsx")
    assert report.status_code == 200


def test_a_confirmation_the_database_refuses_can_be_confirmed_again(signed_in, runtime) -> None:  # type: ignore[no-untyped-def]
    """The database fails half-way through a confirmation (the number written, its audit
    refused): the officer gets a page in words, not an English server error, and the preview is
    not marked applied, so confirming again finishes it without setting any number twice."""
    ids = enrol(runtime, signed_in)
    reply = upload(signed_in, xlsx([["NIK", "Nama", "KPJ"], [nik(0), "ANI", "25000000001"]]))
    preview = signed_in.get(reply.headers["Location"])
    apply_url = re.search(r'action="([^"]+/terapkan)"', preview.get_data(as_text=True)).group(1)
    token = CSRF.search(preview.data).group(1).decode()
    refuse_inserts(runtime.engine, "audit_log")
    try:
        failed = signed_in.post(apply_url, data={"csrf_token": token})
    finally:
        allow_inserts(runtime.engine, "audit_log")
    text = failed.get_data(as_text=True)
    assert failed.status_code == 503 and 'lang="id"' in text, text
    assert "Layanan sedang terganggu" in text and "Traceback" not in text
    assert not [e for e in runtime.verification().history(ids[0]) if e.kind == "bpjs_import"]

    done = signed_in.post(apply_url, data={"csrf_token": token})
    assert done.status_code == 200 and "Diterapkan" in done.get_data(as_text=True)
    assert current_numbers(runtime.sheets, runtime.settings)[ids[0]] == "25000000001"
    with runtime.engine.connect() as conn:
        imports = conn.execute(
            select(audit_log.c.registration_id).where(audit_log.c.kind == "bpjs_import")
        ).all()
    # The file's own entry once, from the confirmation that finished; the number was written by
    # the refused one, so the second found it set and set nothing (the sync audits the cell).
    assert imports == [(None,)]


def test_a_sheet_that_does_not_match_is_a_page_in_words(signed_in, runtime) -> None:  # type: ignore[no-untyped-def]
    """ "Pendaftar" without its membership number column (renamed by hand): the preview says
    what to do, in Bahasa Indonesia, instead of a server error."""
    runtime.sheets.ensure_worksheet("Pendaftar", ["ID Pendaftaran", "Nama", "Nomor BPJS"])
    reply = upload(signed_in, xlsx([["NIK", "Nama", "KPJ"], [nik(0), "ANI", "25000000001"]]))
    preview = signed_in.get(reply.headers["Location"])
    text = preview.get_data(as_text=True)
    assert preview.status_code == 503 and "Lembar verifikasi tidak sesuai" in text, text
    assert "prens doctor" in text and 'lang="id"' in text


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_file_of_twenty_thousand_rows_is_uploaded(signed_in, kind: str) -> None:  # type: ignore[no-untyped-def]
    # The CSRF check read the form under the webhook's 64 KiB limit: a 65 KB CSV was refused as
    # "lebih dari 10 MB".
    rows = branch_rows(20_000)
    data = xlsx(rows) if kind == "xlsx" else csv_bytes(rows)
    assert len(data) > 300 * 1024
    reply = upload_large(signed_in, data, f"hasil.{kind}")
    assert reply.status_code == 302, reply.get_data(as_text=True)[:500]
    preview = signed_in.get(reply.headers["Location"]).get_data(as_text=True)
    assert "20.000" in preview or "20000" in preview


def test_the_webhook_keeps_its_small_limit(client) -> None:  # type: ignore[no-untyped-def]
    raw = b'{"x": "' + b"a" * 70_000 + b'"}'
    reply = client.post("/webhooks/google-form", data=raw, content_type="application/json")
    assert reply.status_code == 413
    # A page's form too: only the BPJS uploads take a larger body.
    big = {"csrf_token": "x", "nama": "a" * 70_000, "token": "y"}
    assert client.post("/dinas/masuk", data=big).status_code == 413


def test_an_expired_upload_is_neither_shown_nor_applied_and_is_deleted(signed_in, runtime) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from sqlalchemy import update

    from jobs.registry import run_job
    from prens.store.schema import bpjs_uploads

    ids = enrol(runtime, signed_in)
    reply = upload(signed_in, xlsx([["NIK", "KPJ"], [nik(0), "25000000001"]]))
    preview_url = reply.headers["Location"]
    page = signed_in.get(preview_url)
    assert page.status_code == 200
    token = CSRF.search(page.data).group(1).decode()
    with runtime.engine.begin() as conn:  # eight days on: past its week
        conn.execute(update(bpjs_uploads).values(uploaded_at=datetime(2000, 1, 1)))
    assert signed_in.get(preview_url).status_code == 404
    assert signed_in.get(preview_url + "/laporan.xlsx").status_code == 404
    assert signed_in.post(preview_url + "/terapkan", data={"csrf_token": token}).status_code == 404
    assert current_numbers(runtime.sheets, runtime.settings)[ids[0]] == ""
    assert run_job("uploads", runtime) == "uploads: 1 unggahan kedaluwarsa dihapus"
    with runtime.engine.connect() as conn:
        assert conn.execute(select(bpjs_uploads)).first() is None  # the NIKs with it


def test_the_month_typed_in_full_width_digits_is_read_as_plain_ones(signed_in, runtime) -> None:  # type: ignore[no-untyped-def]
    from prens.store.schema import bpjs_uploads

    enrol(runtime, signed_in)
    rows = [["NIK", "Iuran"], [nik(0), "16.800"]]
    form = {
        "csrf_token": csrf(signed_in),
        "bulan": "\uff12\uff10\uff12\uff16-\uff11\uff11",  # 2026-11 from a phone keyboard
        "berkas": (io.BytesIO(xlsx(rows)), "tagihan.xlsx"),
    }
    reply = signed_in.post("/dinas/bpjs/tagihan", data=form, content_type="multipart/form-data")
    assert reply.status_code == 302
    with runtime.engine.connect() as conn:
        (options,) = conn.execute(select(bpjs_uploads.c.options)).scalars().all()
    assert '"2026-11"' in options  # stored as plain digits
    other = {**form, "bulan": "\u0662\u0660\u0662\u0666-\u0661\u0661"}  # Arabic-Indic digits
    other["berkas"] = (io.BytesIO(xlsx(rows)), "tagihan.xlsx")
    refused = signed_in.post("/dinas/bpjs/tagihan", data=other, content_type="multipart/form-data")
    assert refused.status_code == 400 and "tidak sah" in refused.get_data(as_text=True)


def test_an_unreadable_amount_is_shown_as_such(signed_in, runtime, caplog) -> None:  # type: ignore[no-untyped-def]
    # "\u00b2" (and 5,000 digits) made the bill page a 500 and its log line quoted the cell.
    enrol(runtime, signed_in)
    rows = [["NIK", "Iuran"], [nik(0), "\u00b2"], [nik(1), "9" * 5000]]
    form = {
        "csrf_token": csrf(signed_in),
        "bulan": "2026-11",
        "berkas": (io.BytesIO(xlsx(rows)), "tagihan.xlsx"),
    }
    reply = signed_in.post("/dinas/bpjs/tagihan", data=form, content_type="multipart/form-data")
    assert reply.status_code == 302
    page = signed_in.get(reply.headers["Location"])
    assert page.status_code == 200
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "\u00b2" not in logged and "9" * 20 not in logged  # no file content in a log line
