"""Desa and kecamatan offices: accounts from the command line, sign-in with the Dinas' session
rules, the desa's list (only its own people, NIK masked, phone's last 4 digits), documents
received recorded at the desa and ticked in the verifiers' sheet by the next sync, the
kecamatan's table against a hand count, and what an office may never open."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import update

from jobs.sync import sync
from prens.cli import main
from prens.rules.offices import DESA, KECAMATAN
from prens.store.offices import Receipts, area_entries
from prens.store.schema import officer_sessions
from tests.lifecycle_helpers import status
from tests.offices_helpers import BALANG, JUAI, LASUNG_BATU, office, populate
from tests.pages_helpers import CSRF, SIXTEEN_DIGITS

pytestmark = pytest.mark.both_databases

PHONE_DIGITS = re.compile(r"\d{7,}")


def sign_in(client, name: str, token: str):  # type: ignore[no-untyped-def]
    page = client.get("/kantor/masuk")
    csrf = CSRF.search(page.data).group(1).decode()
    return client.post("/kantor/masuk", data={"nama": name, "token": token, "csrf_token": csrf})


@pytest.fixture
def desa(runtime, client):  # type: ignore[no-untyped-def]
    """The people, and the client signed in as the office of desa Lasung Batu."""
    people = populate(runtime, client)
    token = office(runtime, "Desa Lasung Batu", DESA, LASUNG_BATU)
    assert sign_in(client, "desa lasung  BATU", token).status_code == 302  # any case, spaces
    return people


def csrf(client, path: str = "/kantor/keluar") -> str:  # type: ignore[no-untyped-def]
    return CSRF.search(client.get(path).data).group(1).decode()


def test_office_accounts_from_the_command_line(config_path, runtime) -> None:  # type: ignore[no-untyped-def]
    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["--config", str(config_path), "office", *args])

    added = run("add", "--desa", "lasung batu")
    assert added.exit_code == 0, added.output
    assert "'Desa Lasung Batu' ditambahkan untuk Desa Lasung Batu, Kecamatan Paringin" in (
        added.output
    )
    token = added.output.strip().rsplit(" ", 1)[1]
    assert len(token) > 30
    assert run("add", "--kecamatan", "PARINGIN").exit_code == 0
    unknown = run("add", "--desa", "Tidak Ada")
    assert unknown.exit_code != 0 and "tidak ada di data wilayah" in unknown.output
    wrong_kecamatan = run("add", "--desa", "Lasung Batu", "--kecamatan", "Juai")
    assert wrong_kecamatan.exit_code != 0 and "di kecamatan 'Juai'" in wrong_kecamatan.output
    assert run("add").exit_code == 2  # a usage error: neither --desa nor --kecamatan
    again = run("add", "--desa", "Lasung Batu")
    assert again.exit_code != 0 and "sudah ada" in again.output
    named = run("add", "--desa", "Lasung Batu", "--nama", "Lasung Batu 2")
    assert named.exit_code == 0
    listed = run("list").output
    assert "Desa Lasung Batu\tDesa Lasung Batu, Kecamatan Paringin\t63.11.06.2007" in listed
    assert "Kecamatan Paringin\tKecamatan Paringin\t63.11.06" in listed
    assert token not in listed
    assert run("remove", "Lasung Batu 2").exit_code == 0
    assert "Lasung Batu 2" not in run("list").output
    assert run("remove", "Lasung Batu 2").exit_code != 0
    assert run("add", "--help").exit_code == 0


def test_intake_stores_the_desa_code(runtime, client) -> None:  # type: ignore[no-untyped-def]
    people = populate(runtime, client)
    entries = {
        e.id: e.desa_code for e in area_entries(runtime.engine, None, runtime.settings.timezone)
    }
    assert entries[people["ani"].id] == LASUNG_BATU
    assert entries[people["hadi"].id].startswith(JUAI + ".")


def test_the_desa_sees_only_its_own_people(desa, client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/kantor/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    waiting = text[text.index("Menunggu berkas") : text.index("Berkas diterima (")]
    received = text[text.index("Berkas diterima (") : text.index("Lainnya (")]
    others = text[text.index("Lainnya (") :]
    assert "ANI LESTARI" in waiting and "BUDI SANTOSO" in waiting
    assert waiting.index("ANI LESTARI") < waiting.index("BUDI SANTOSO")  # longest wait first
    assert "Menunggu 20 hari" in waiting and "(terlambat)" in waiting  # 20 > 14 days
    assert "CITRA DEWI" in received
    assert "DEDI KURNIA" in others and "EKA PUTRI" in others
    for stranger in ("FAJAR NUGRAHA", "GITA SARI", "HADI WIJAYA"):
        assert stranger not in text
    assert not SIXTEEN_DIGITS.search(text) and not PHONE_DIGITS.search(text)
    assert "631106" + "*" * 10 in text and "•••• 0000" in text  # Ani's NIK masked, phone's tail
    found = client.get("/kantor/?q=budi").get_data(as_text=True)
    assert "BUDI SANTOSO" in found and "ANI LESTARI" not in found
    by_id = client.get(f"/kantor/?q={desa['ani'].id.lower()}").get_data(as_text=True)
    assert "ANI LESTARI" in by_id and "BUDI SANTOSO" not in by_id
    printed = client.get("/kantor/?cetak=1")
    body = printed.get_data(as_text=True)
    assert printed.status_code == 200 and "size:A4" in body and "Tanda tangan" not in body
    assert "Petugas penerima berkas" in body and "Mengetahui, Kepala Desa Lasung Batu" in body
    assert "ANI LESTARI" in body and "FAJAR NUGRAHA" not in body
    assert not SIXTEEN_DIGITS.search(body) and not PHONE_DIGITS.search(body)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_a_receipt_recorded_at_the_desa_reaches_the_sheet(desa, client, runtime) -> None:  # type: ignore[no-untyped-def]
    ani = desa["ani"]
    confirm = client.get(f"/kantor/berkas/{ani.id}")
    assert confirm.status_code == 200 and "Belum lengkap" in confirm.get_data(as_text=True)
    assert client.post(f"/kantor/berkas/{ani.id}", data={"catatan": "x"}).status_code == 400
    assert Receipts(runtime.engine).of(None, runtime.settings.timezone) == {}
    done = client.post(
        f"/kantor/berkas/{ani.id}",
        data={
            "catatan": "KK belum\x01 dibawa, hp 0812 3456 7890, NIK 6311/0645/0790/0001",
            "csrf_token": csrf(client),
            "lengkap": "ya",
        },
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"dicatat={ani.id}&lengkap=ya"
    )
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"Berkas {ani.id} dicatat diterima" in shown and "(KK belum dibawa, hp " in shown
    assert not PHONE_DIGITS.search(shown)  # a phone number typed in the note is hidden
    assert "0645/0790" not in shown and "NIK [disembunyikan]" in shown  # a NIK with slashes too
    audit = [e for e in runtime.verification().history(ani.id) if e.kind == "receipt"]
    assert [e.actor for e in audit] == ["kantor:Desa Lasung Batu"]
    assert audit[0].detail["note"].startswith("KK belum dibawa, hp ")
    assert "7890" not in audit[0].detail["note"]
    assert status(runtime, ani.id)[0] == "TERVERIFIKASI"  # the sheet is told by the sync
    report = sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    assert report.receipts == 1 and "1 desa office receipt(s) ticked" in report.summary()
    rows = runtime.sheets.get_all_values("Pendaftar")
    row = next(r for r in rows if r[0] == ani.id)
    assert row[rows[0].index("Berkas Diterima")] == "TRUE"
    assert status(runtime, ani.id)[0] == "BERKAS LENGKAP"
    assert runtime.ledger.get(ani.id).state == "BERKAS LENGKAP"
    again = client.post(
        f"/kantor/berkas/{ani.id}", data={"csrf_token": csrf(client), "lengkap": "ya"}
    )
    assert again.status_code == 409 and "sudah dicatat" in again.get_data(as_text=True)


def test_the_sheet_stays_the_source_of_truth(desa, client, runtime) -> None:  # type: ignore[no-untyped-def]
    from tests.lifecycle_helpers import tick

    ani = desa["ani"]
    client.post(f"/kantor/berkas/{ani.id}", data={"csrf_token": csrf(client), "lengkap": "ya"})
    sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    tick(runtime, ani.id, "Berkas Diterima", "")  # a verifier unticks it: papers not in order
    report = sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    assert report.receipts == 0
    assert status(runtime, ani.id)[0] == "TERVERIFIKASI"


def test_receipts_refused_in_words(desa, client, runtime) -> None:  # type: ignore[no-untyped-def]
    token = csrf(client)
    for who, code, words in (
        ("fajar", 404, "tidak ada dalam daftar kantor ini"),  # another desa
        ("hadi", 404, "tidak ada dalam daftar kantor ini"),  # another kecamatan
        ("dedi", 409, "bukan TERVERIFIKASI"),  # not verified yet
        ("citra", 409, "bukan TERVERIFIKASI"),  # documents in already
    ):
        reply = client.post(
            f"/kantor/berkas/{desa[who].id}", data={"csrf_token": token, "lengkap": "ya"}
        )
        assert reply.status_code == code, who
        assert words in reply.get_data(as_text=True), who
    for path in ("/kantor/berkas/BLG-000000", "/kantor/berkas/" + "x" * 300, "/kantor/berkas/%00"):
        assert client.get(path).status_code == 404
    typed = client.get("/kantor/berkas/6311064507900099").get_data(as_text=True)
    assert "tidak ada dalam daftar kantor ini" in typed and not SIXTEEN_DIGITS.search(typed)
    assert Receipts(runtime.engine).of(None, runtime.settings.timezone) == {}


def test_an_office_never_opens_the_dinas_pages(desa, client, runtime) -> None:  # type: ignore[no-untyped-def]
    token = office(runtime, "Desa Balang", DESA, BALANG)
    # Every Dinas page and download the app has (those without parts in their address).
    paths = sorted(
        rule.rule
        for rule in client.application.url_map.iter_rules()
        if rule.rule.startswith("/dinas/") and "GET" in rule.methods and not rule.arguments
    )
    assert "/dinas/daftar-final.xlsx" in paths and "/dinas/bpjs/ekspor.xlsx" in paths
    basic = base64.b64encode(f"Desa Balang:{token}".encode()).decode()
    # Signed in before the probes below: they are failed sign-ins under the office's name, and
    # lock that name out (every way in counts against one limit).
    other = client.application.test_client()
    assert sign_in(other, "Desa Balang", token).status_code == 302
    for path in paths:
        if path in ("/dinas/masuk", "/dinas/keluar"):
            continue
        reply = client.get(path)  # the office's session is no officer's
        assert reply.status_code in (302, 401), path
        assert reply.status_code == 401 or reply.headers["Location"].endswith("/dinas/masuk")
        for header in (f"Basic {basic}", f"Bearer {token}"):
            probe = {"REMOTE_ADDR": "10.0.0.9"}  # a prober of its own: its failures are its own
            reply = client.get(path, headers={"Authorization": header}, environ_base=probe)
            # Refused; past 10 tries this client is refused as a guesser would be (429).
            assert reply.status_code in (302, 401, 429), (path, header)
            assert not SIXTEEN_DIGITS.search(reply.get_data(as_text=True))
    assert sign_in(other.application.test_client(), "Desa Balang", token).status_code == 429
    text = other.get("/kantor/").get_data(as_text=True)
    assert "FAJAR NUGRAHA" in text and "ANI LESTARI" not in text
    refused = other.post(
        f"/kantor/berkas/{desa['ani'].id}", data={"csrf_token": csrf(other), "lengkap": "ya"}
    )
    assert refused.status_code == 404
    assert Receipts(runtime.engine).of(None, runtime.settings.timezone) == {}


def test_sign_in_follows_the_dinas_session_rules(runtime, client) -> None:  # type: ignore[no-untyped-def]
    token = office(runtime, "Desa Lasung Batu", DESA, LASUNG_BATU)
    assert client.get("/kantor/").status_code == 302
    wrong = sign_in(client, "Desa Lasung Batu", "salah")
    assert wrong.status_code == 401 and "Nama kantor atau token salah" in wrong.get_data(
        as_text=True
    )
    assert sign_in(client, "Desa Balang", token).status_code == 401  # the name must match
    assert sign_in(client, "Desa Lasung Batu", token).status_code == 302
    assert client.get("/kantor/").status_code == 200
    kinds = [(e.kind, e.actor) for e in runtime.verification().downloads(50)]
    assert kinds == [] or all(k != "login" for k, _ in kinds)  # logins are not downloads
    # A session left idle longer than [public] officer_idle_minutes (480) ends by itself.
    with runtime.engine.begin() as conn:
        conn.execute(
            update(officer_sessions).values(
                seen_at=datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=9)
            )
        )
    assert client.get("/kantor/").status_code == 302
    assert sign_in(client, "Desa Lasung Batu", token).status_code == 302
    logout = client.post("/kantor/keluar", data={"csrf_token": csrf(client, "/kantor/keluar")})
    assert logout.status_code == 302
    assert client.get("/kantor/").status_code == 302
    # A removed office's session ends at once.
    assert sign_in(client, "Desa Lasung Batu", token).status_code == 302
    CliRunner().invoke(
        main, ["--config", str(runtime.settings.source), "office", "remove", "Desa Lasung Batu"]
    )
    assert client.get("/kantor/").status_code == 302
    # Failed sign-ins are limited per name, as the Dinas': 5 per 15 minutes.
    for _ in range(5):
        sign_in(client, "Desa Balang", "salah")
    assert sign_in(client, "Desa Balang", "salah").status_code == 429


def test_the_kecamatan_sees_its_desa_counted(runtime, client) -> None:  # type: ignore[no-untyped-def]
    people = populate(runtime, client)
    token = office(runtime, "Kecamatan Paringin", KECAMATAN, "63.11.06")
    desa_token = office(runtime, "Desa Lasung Batu", DESA, LASUNG_BATU)
    desa_client = client.application.test_client()
    sign_in(desa_client, "Desa Lasung Batu", desa_token)
    desa_client.post(
        f"/kantor/berkas/{people['budi'].id}",
        data={"csrf_token": csrf(desa_client), "lengkap": "ya"},
    )
    assert sign_in(client, "Kecamatan Paringin", token).status_code == 302
    text = client.get("/kantor/").get_data(as_text=True)
    # Hand count. Lasung Batu: Ani waiting 20 days (late), Budi received at the desa, Citra
    # BERKAS LENGKAP, Eka registered. Balang: Fajar waiting 16 days (late), Gita registered.
    rows = dict(re.findall(r"<tr><td>([^<]+)</td>((?:<td class=\"num\">[^<]*</td>){5})</tr>", text))
    cells = {k: re.findall(r">([^<]*)<", v)[::2] for k, v in rows.items()}
    # Waiting, late, brought but not complete, received, registered.
    assert cells["Lasung Batu"] == ["1", "1", "0", "2", "1"]
    assert cells["Balang"] == ["1", "1", "0", "0", "1"]
    assert cells["Dahai"] == ["0", "0", "0", "0", "0"]  # every desa of the kecamatan is listed
    assert "HADI WIJAYA" not in text  # Juai is another kecamatan
    longest = text[text.index("Paling lama menunggu") :]
    assert longest.index("ANI LESTARI") < longest.index("FAJAR NUGRAHA")
    assert "BUDI SANTOSO" not in longest  # received
    assert not SIXTEEN_DIGITS.search(text)
    assert client.get(f"/kantor/berkas/{people['ani'].id}").status_code == 403  # desa only


def test_the_dinas_dashboard_has_the_district_table(runtime, client) -> None:  # type: ignore[no-untyped-def]
    populate(runtime, client)
    added = CliRunner().invoke(
        main, ["--config", str(runtime.settings.source), "officer", "add", "Rahmat"]
    )
    officer_token = added.output.strip().rsplit(" ", 1)[1]
    page = client.get("/dinas/masuk")
    token = CSRF.search(page.data).group(1).decode()
    client.post(
        "/dinas/masuk", data={"nama": "Rahmat", "token": officer_token, "csrf_token": token}
    )
    text = client.get("/dinas/dashboard").get_data(as_text=True)
    table = text[text.index("Berkas di kantor desa") : text.index("Paling lama menunggu")]
    assert "Paringin / Lasung Batu" in table and "Juai / Juai" in table
    assert "Paringin / Dahai" not in table  # a desa with nobody at these stages is left out
    assert "<b>4</b>" in table  # Ani, Budi, Fajar, Hadi wait for their documents
    longest = text[text.index("Paling lama menunggu") : text.index("Berusia")]
    assert longest.index("HADI WIJAYA") < longest.index("ANI LESTARI")  # 25 days before 20
    assert not SIXTEEN_DIGITS.search(longest)


@hsettings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(note=st.text(max_size=300), query=st.text(max_size=120))
def test_anything_typed_on_the_office_pages_is_answered(
    desa, client, note: str, query: str
) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/kantor/", query_string={"q": query}).status_code == 200
    assert client.get("/kantor/", query_string={"q": query, "cetak": "1"}).status_code == 200
    reply = client.post(
        f"/kantor/berkas/{desa['dedi'].id}",
        data={"catatan": note, "csrf_token": csrf(client), "lengkap": "ya"},
    )
    assert reply.status_code == 409  # not verified: refused in words, whatever the note


def test_a_renamed_desa_keeps_its_accounts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from prens.rules.offices import Office, area_name, desa_places
    from prens.rules.regions import PACKAGED, load_region

    renamed = tmp_path / "wilayah.csv"
    text = (PACKAGED / "63.11.csv").read_text(encoding="utf-8")
    renamed.write_text(text.replace(",Lasung Batu,", ",Lasung Batu Baru,"), encoding="utf-8")
    region = load_region(renamed, "63.11")
    desa_office = Office("Desa Lasung Batu", DESA, LASUNG_BATU)
    assert area_name(region, desa_office) == "Desa Lasung Batu Baru, Kecamatan Paringin"
    assert desa_office.covers(LASUNG_BATU) and not desa_office.covers(BALANG)
    kecamatan = Office("Kecamatan Paringin", KECAMATAN, "63.11.06")
    assert desa_places(region, kecamatan)[LASUNG_BATU] == "Lasung Batu Baru"
    assert kecamatan.covers(LASUNG_BATU) and not kecamatan.covers("63.11.061.2001")


def test_doctor_tells_of_receipts_the_sheet_has_not_had(desa, client, runtime) -> None:  # type: ignore[no-untyped-def]
    from prens.doctor import OK, WARNING, run_checks

    def offices_check(now: datetime):  # type: ignore[no-untyped-def]
        return next(c for c in run_checks(runtime, now) if c.subject == "Kantor desa/kecamatan")

    now = datetime.now(UTC)
    quiet = offices_check(now)
    assert quiet.status == OK and quiet.detail == "1 akun desa/kelurahan, 0 akun kecamatan"
    client.post(
        f"/kantor/berkas/{desa['ani'].id}", data={"csrf_token": csrf(client), "lengkap": "ya"}
    )
    fresh = offices_check(now)
    assert fresh.status == OK and "1 berkas diterima di desa menunggu" in fresh.detail
    stale = offices_check(now + timedelta(hours=2))  # the sync has not run for two hours
    assert stale.status == WARNING and "prens jobs run sync" in stale.detail
    sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    assert offices_check(now + timedelta(hours=2)).status == OK


def test_documents_not_complete_keep_the_person_waiting_and_tell_the_verifiers(
    desa, client, runtime
) -> None:  # type: ignore[no-untyped-def]
    # "KK belum dibawa" still ticked Berkas Diterima, reached BERKAS LENGKAP and the enrolment
    # file; verifiers never saw the note.
    from prens.reports.bpjs import enrolment_table

    ani = desa["ani"]
    url = f"/kantor/berkas/{ani.id}"
    assert client.post(url, data={"csrf_token": csrf(client)}).status_code == 400  # no choice
    nothing = {"csrf_token": csrf(client), "lengkap": "tidak"}
    assert client.post(url, data=nothing).status_code == 400  # not complete, but what is missing?
    partly = {**nothing, "kurang": "Fotokopi KK", "catatan": "KTP sudah dicocokkan"}
    done = client.post(url, data=partly)
    assert done.status_code == 302 and done.headers["Location"].endswith("lengkap=tidak")
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "dicatat <strong>belum lengkap</strong>" in shown and "Catat sisa berkas" in shown

    def sheet_row() -> dict[str, str]:
        sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
        rows = runtime.sheets.get_all_values("Pendaftar")
        return dict(zip(rows[0], next(r for r in rows if r[0] == ani.id), strict=True))

    today = datetime.now(runtime.settings.timezone).strftime("%d-%m-%Y")
    row = sheet_row()
    assert row["Berkas Diterima"] != "TRUE" and status(runtime, ani.id)[0] == "TERVERIFIKASI"
    assert (
        f"Kantor Desa Lasung Batu, {today}: belum lengkap: Fotokopi KK belum dibawa; "
        "KTP sudah dicocokkan" in row["Catatan Sistem"]
    )
    enrolled = enrolment_table(runtime.ledger, runtime.verification(), runtime.settings)[0]
    assert not any(ani.id in map(str, line) for line in enrolled)
    assert (
        Receipts(runtime.engine).of([ani.id], runtime.settings.timezone)[ani.id].complete is False
    )

    # The KK comes a day later: recorded complete, the row ticked, the note now the last word.
    complete = {"csrf_token": csrf(client), "lengkap": "ya", "catatan": "KK menyusul"}
    assert client.post(url, data=complete).status_code == 302
    row = sheet_row()
    assert row["Berkas Diterima"] == "TRUE"
    assert f"Kantor Desa Lasung Batu, {today}: KK menyusul" in row["Catatan Sistem"]
    assert "belum lengkap" not in row["Catatan Sistem"]
    sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    assert status(runtime, ani.id)[0] == "BERKAS LENGKAP"
    again = client.post(url, data={"csrf_token": csrf(client), "lengkap": "ya"})
    assert again.status_code == 409  # complete once: recorded already
