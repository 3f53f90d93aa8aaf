"""The yearly evaluation: its figures against a hand computation (pure, the clock passed in),
and the command and the Dinas page on a real deployment."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner
from openpyxl import load_workbook

from prens.cli import main
from prens.reports.evaluation import Facts, evaluate, summary_rows
from prens.rules.periods import Period

P2025 = Period("2025", date(2025, 1, 1), date(2025, 12, 31), 1_000_000, 5, 12, 16800)
NOW = datetime(2025, 6, 15, 4, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)  # naive UTC, as stored


def reg(
    rid: str,
    received: str,
    status: str,
    state: str | None,
    place=("Paringin", "Lasung Batu"),
    problems=(),
):  # type: ignore[no-untyped-def]
    return SimpleNamespace(
        id=rid,
        received_at=at(received),
        status=status,
        state=state,
        problems=json.dumps(list(problems)),
        kecamatan=place[0],
        desa=place[1],
    )


def test_the_figures_match_a_hand_computation(settings) -> None:  # type: ignore[no-untyped-def]
    facts = Facts(
        registrations=[
            reg("r1", "2025-01-10 00:00:00", "accepted", "TERDAFTAR"),
            reg("r2", "2025-02-01 00:00:00", "accepted", "BERHENTI"),
            reg("r3", "2025-03-01 00:00:00", "accepted", "DITOLAK"),
            reg(
                "r4",
                "2025-04-01 00:00:00",
                "needs_correction",
                None,
                problems=[
                    {"code": "nik_format", "severity": "error"},
                    {"code": "name_title", "severity": "warning"},
                ],
            ),
            reg("r5", "2024-12-20 00:00:00", "accepted", "TERVERIFIKASI", place=("Juai", "Juai")),
        ],
        entries={
            "r1": {
                "TERVERIFIKASI": at("2025-02-01 00:00:00"),
                "TERDAFTAR": at("2025-03-01 00:00:00"),
            },
            "r2": {
                "TERVERIFIKASI": at("2025-03-15 00:00:00"),
                "BERHENTI": at("2025-05-20 00:00:00"),
            },
            "r3": {"DITOLAK": at("2025-03-10 00:00:00")},
            "r5": {"TERVERIFIKASI": at("2024-12-28 00:00:00")},
        },
        cells={
            "r2": {"Alasan Berhenti": "Pindah  domisili"},
            "r3": {"Alasan Penolakan": "Bukan pekerja informal"},
        },
        messages=[
            SimpleNamespace(event="TERDAFTAR", status="sent", created_at=at("2025-03-01 00:00:00"))
        ],
        lines={
            "r1": [
                (at("2025-02-01 00:00:00"), "TERVERIFIKASI"),
                (at("2025-03-01 00:00:00"), "TERDAFTAR"),
            ],
            "r2": [
                (at("2025-03-15 00:00:00"), "TERVERIFIKASI"),
                (at("2025-05-20 00:00:00"), "BERHENTI"),
            ],
            "r3": [(at("2025-03-10 00:00:00"), "DITOLAK")],
            "r5": [(at("2024-12-28 00:00:00"), "TERVERIFIKASI")],
        },
    )
    ev = evaluate(facts, settings, P2025, NOW)
    assert dict(ev.received) == {"diterima": 3, "perlu perbaikan": 1}  # r5 came before 2025
    assert ev.approved == 2  # r1 and r2 (r5 was approved in 2024)
    assert dict(ev.rejected) == {"Bukan pekerja informal": 1}  # as the verifier typed it
    assert dict(ev.ended) == {"Pindah domisili": 1}
    assert dict(ev.corrections) == {"nik_format": 1}
    assert ev.days_to_terdaftar == [50.0] and ev.median_days == 50.0
    assert dict(ev.messages) == {("TERDAFTAR", "sent"): 1}
    assert dict(ev.members) == {("Paringin", "Lasung Batu"): 1, ("Juai", "Juai"): 1}
    # Member-months to June: r1 Feb-Jun 5, r2 Mar-May 3, r5 Jan-Jun 6 (from the period's start).
    assert ev.member_months == 14 and ev.realised == 14 * 16800
    # Two members for the six months July-December.
    assert ev.projected == 14 * 16800 + 2 * 6 * 16800 == 436_800
    rows = dict(summary_rows(ev, settings))
    assert rows["Sisa pagu menurut proyeksi"] == "Rp 563.200"


def test_the_command_and_the_page(runtime, client, config_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.bpjs_helpers import enrol

    enrol(runtime, client)
    out = tmp_path / "evaluasi.xlsx"
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "report", "evaluasi", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == [
        "Ringkasan",
        "Penolakan",
        "Perbaikan",
        "Pesan",
        "Wilayah",
        "Berhenti",
    ]
    summary = {r[0]: r[1] for r in book["Ringkasan"].iter_rows(values_only=True) if r[0]}
    assert summary["Formulir masuk"] == 7 and summary["Peserta sekarang"] == 7
    wrong = CliRunner().invoke(
        main,
        ["--config", str(config_path), "report", "evaluasi", "--period", "1999", "-o", str(out)],
    )
    assert wrong.exit_code != 0 and "periode yang ada: semua" in wrong.output

    final = tmp_path / "daftar-final.xlsx"
    exported = CliRunner().invoke(
        main, ["--config", str(config_path), "export", "final", "-o", str(final)]
    )
    assert exported.exit_code == 0, exported.output
    changes = list(load_workbook(final)["Perubahan"].iter_rows(values_only=True))
    assert changes[0][0] == "Perubahan" and {r[0] for r in changes[1:]} == {"baru"}
    assert len(changes) == 8  # the seven members, all new in the one open period
    bogus = CliRunner().invoke(
        main,
        ["--config", str(config_path), "export", "final", "--period", "2030", "-o", str(final)],
    )
    assert bogus.exit_code != 0 and "periode yang ada: semua" in bogus.output

    added = CliRunner().invoke(main, ["--config", str(config_path), "officer", "add", "Rahmat"])
    token = added.output.strip().rsplit(" ", 1)[1]
    import base64

    auth = {"Authorization": "Basic " + base64.b64encode(f"Rahmat:{token}".encode()).decode()}
    assert client.get("/dinas/evaluasi.xlsx").status_code == 401
    page = client.get("/dinas/evaluasi", headers=auth)
    assert page.status_code == 200 and "Peserta sekarang" in page.get_data(as_text=True)
    got = client.get("/dinas/evaluasi.xlsx?periode=semua", headers=auth)
    assert got.status_code == 200
    assert load_workbook(io.BytesIO(got.data)).sheetnames[0] == "Ringkasan"
    assert client.get("/dinas/evaluasi?periode=1999", headers=auth).status_code == 404
    assert client.get("/dinas/daftar-final.xlsx?periode=1999", headers=auth).status_code == 404
    listed = client.get("/dinas/daftar-final.xlsx?periode=semua", headers=auth)
    assert "Perubahan" in load_workbook(io.BytesIO(listed.data)).sheetnames


def test_reasons_keep_the_case_they_were_typed_in_and_are_counted_together() -> None:
    from collections import Counter

    from prens.reports.evaluation import _count

    counted: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for reason in ("Bukan pekerja rentan", "bukan pekerja rentan", "PNS", "Bukan Pekerja Rentan"):
        _count(counted, spelled, reason)
    assert counted == {"Bukan pekerja rentan": 3, "PNS": 1}
