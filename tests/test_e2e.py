"""End to end: the real `prens serve` on a loopback port, signed submissions over HTTP, the flush
job and `prens sheet export` run as commands, as an operator would."""

from __future__ import annotations

import csv
import http.client
import io
import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from prens.config import Settings, load_settings
from prens.demo import body, kk_for, nik_for, person, signed_request
from tests.conftest import write_config
from tests.serving import Served, free_port, prens
from tests.serving import deployment as served_deployment

pytestmark = pytest.mark.e2e
SECRET = "e2e-secret"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with served_deployment(tmp_path_factory.mktemp("e2e"), SECRET) as (served, settings):
        yield served, settings
    assert served.proc is not None and served.proc.returncode == 0  # clean stop on SIGTERM
    assert "berhenti" in served.output()


def send(url: str, payload: dict) -> requests.Response:  # type: ignore[type-arg]
    raw, headers = signed_request(SECRET.encode(), payload, int(time.time()))
    return requests.post(url + "/webhooks/google-form", data=raw, headers=headers, timeout=10)


def scenarios(settings: Settings, today: date) -> list[tuple[str, dict, str, list[str]]]:  # type: ignore[type-arg]
    """(label, field values, expected status, expected problem codes)."""
    rng = random.Random(20261121)
    out: list[tuple[str, dict, str, list[str]]] = []  # type: ignore[type-arg]
    for kec in settings.region.kecamatan.values():
        for n in range(2):
            out.append(
                (
                    f"valid {kec.name} {n}",
                    person(settings, rng, today, kec.name).fields,
                    "accepted",
                    [],
                )
            )

    def variant(label: str, status: str, codes: list[str], **changes: object) -> None:
        fields = person(settings, rng, today, "Paringin").fields
        for k, v in changes.items():
            fields[k] = v(fields) if callable(v) else v
        out.append((label, fields, status, codes))

    young, old = today - timedelta(days=17 * 365), date(today.year - 65, today.month, today.day)
    for field in (
        "nama",
        "nik",
        "kk",
        "tanggal_lahir",
        "telepon",
        "kecamatan",
        "desa",
        "alamat",
        "pekerjaan",
    ):
        variant(f"required {field}", "needs_correction", ["required"], **{field: ""})
    variant("nik_format", "needs_correction", ["nik_format"], nik="63110645079000")
    variant("nik_region", "needs_correction", ["nik_region"], nik=lambda f: "20" + f["nik"][2:])
    variant("nik_date (form example)", "needs_correction", ["nik_date"], nik="6311090724010001")
    variant("nik_serial", "needs_correction", ["nik_serial"], nik=lambda f: f["nik"][:12] + "0000")
    variant("kk_format", "needs_correction", ["kk_format"], kk="6311 0601")
    variant(
        "kk_date", "needs_correction", ["kk_date"], kk=lambda f: f["kk"][:6] + "310215" + "0001"
    )
    variant(
        "kk_outside_region",
        "needs_correction",
        ["kk_outside_region"],
        kk=kk_for("63.71.01", date(2015, 1, 1), 2),
    )
    variant("kk_equals_nik", "needs_correction", ["kk_equals_nik"], kk=lambda f: f["nik"])
    variant("dob_format", "needs_correction", ["dob_format"], tanggal_lahir="kemarin")
    variant(
        "age_below_min",
        "needs_correction",
        ["age_below_min"],
        tanggal_lahir=young.isoformat(),
        jenis_kelamin="Laki-laki",
        nik=nik_for("63.11.06", young, False, 7),
    )
    variant(
        "age_above_max",
        "needs_correction",
        ["age_above_max"],
        tanggal_lahir=old.isoformat(),
        jenis_kelamin="Laki-laki",
        nik=nik_for("63.11.06", old, False, 7),
    )
    variant("phone_format", "needs_correction", ["phone_format"], telepon="08123")
    variant("phone_not_mobile", "needs_correction", ["phone_not_mobile"], telepon="0526-2028123")
    variant("name_format", "needs_correction", ["name_format"], nama="Budi 123")
    variant("kecamatan_unknown", "needs_correction", ["kecamatan_unknown"], kecamatan="Tanjung")
    variant("desa_unknown", "needs_correction", ["desa_unknown"], desa="Muara Ninian")
    variant("consent_missing", "needs_correction", ["consent_missing"], persetujuan=[])
    variant(
        "nik_dob_mismatch",
        "accepted",
        ["nik_dob_mismatch"],
        tanggal_lahir=lambda f: (
            date.fromisoformat(f["tanggal_lahir"]) + timedelta(days=1)
        ).isoformat(),
    )
    variant(
        "nik_sex_mismatch",
        "accepted",
        ["nik_sex_mismatch"],
        jenis_kelamin=lambda f: "Laki-laki" if f["jenis_kelamin"] == "Perempuan" else "Perempuan",
    )
    variant(
        "nik_outside_region",
        "accepted",
        ["nik_outside_region"],
        nik=lambda f: "327301" + f["nik"][6:],
    )
    variant("name_title", "accepted", ["name_title"], nama="Drs. H. Ahmad Gazali")
    variant("formula in address", "accepted", [], alamat="=1+1")
    for n in range(4):
        variant(
            f"shared phone {n}",
            "accepted",
            ["phone_shared"] if n == 3 else [],
            telepon="0813 5000 1234",
        )
    return out


def test_a_realistic_day_over_http(deployment) -> None:  # type: ignore[no-untyped-def]
    served, settings = deployment
    today = datetime.now(settings.timezone).date()
    replies: dict[str, dict] = {}  # type: ignore[type-arg]
    sent: dict[str, dict] = {}  # type: ignore[type-arg]
    for label, fields, status, codes in scenarios(settings, today):
        payload = body(settings, fields)
        reply = send(served.url, payload)
        assert reply.status_code == 200, (label, reply.text)
        data = reply.json()
        assert (data["status"], sorted(p["code"] for p in data["problems"])) == (status, codes), (
            label
        )
        replies[label], sent[label] = data, payload

    # Replays of a stored response answer the same and store nothing.
    for label in ("valid Juai 0", "nik_format"):
        assert send(served.url, sent[label]).json() == replies[label]
    # The same person again: a duplicate of the first.
    again = body(settings, {**{k: v for k, v in sent["valid Paringin 0"]["answers"].items()}})
    again["answers"] = sent["valid Paringin 0"]["answers"]
    dup = send(served.url, again).json()
    assert dup["status"] == "duplicate" and dup["id"] != replies["valid Paringin 0"]["id"]
    # A correction: the citizen fixes the KK that equalled the NIK.
    fixed_answers = dict(sent["kk_equals_nik"]["answers"])
    nik = fixed_answers[settings.questions["nik"]]
    fixed_answers[settings.questions["kk"]] = nik[:6] + "010115" + "0042"
    fixed = send(served.url, {**body(settings, {}), "answers": fixed_answers}).json()
    assert fixed["status"] == "accepted"

    result = prens(served.config, "jobs", "run", "flush")
    assert result.returncode == 0, result.stderr
    pendaftar = list(
        csv.reader(io.StringIO(prens(served.config, "sheet", "export", "Pendaftar").stdout))
    )
    perbaikan = list(
        csv.reader(io.StringIO(prens(served.config, "sheet", "export", "Perlu Perbaikan").stdout))
    )
    head = pendaftar[0]
    rows = [dict(zip(head, r, strict=True)) for r in pendaftar[1:]]
    accepted = [lbl for lbl, r in replies.items() if r["status"] == "accepted"] + ["fixed"]
    replies["fixed"] = fixed
    assert sorted(r["ID Pendaftaran"] for r in rows) == sorted(
        replies[lbl]["id"] for lbl in accepted
    )
    niks = [r["NIK"] for r in rows]
    assert len(niks) == len(set(niks)) and all(len(n) == 16 and n.isdigit() for n in niks)
    assert all(len(r["Nomor KK"]) == 16 for r in rows)
    assert (
        next(r for r in rows if r["ID Pendaftaran"] == replies["formula in address"]["id"])[
            "Alamat"
        ]
        == "'=1+1"  # stored as typed; the CSV export never lets it become a formula
    )
    wrong_ids = {r["id"] for r in replies.values() if r["status"] == "needs_correction"}
    assert {r[0] for r in perbaikan[1:]} == wrong_ids
    assert all(r[-1] and r[-2] for r in perbaikan[1:])  # codes and reasons in Bahasa

    # Flushing again writes nothing more.
    assert "tidak ada yang ditulis" in prens(served.config, "jobs", "run", "flush").stdout
    assert len(
        list(csv.reader(io.StringIO(prens(served.config, "sheet", "export", "Pendaftar").stdout)))
    ) == len(pendaftar)


@pytest.mark.parametrize(
    ("headers", "raw", "status"),
    [
        ({"Content-Type": "text/plain"}, b"{}", 415),
        ({"Content-Type": "application/json"}, b"{}", 401),
    ],
)
def test_client_errors_over_http(deployment, headers, raw, status) -> None:  # type: ignore[no-untyped-def]
    served, _ = deployment
    reply = requests.post(
        served.url + "/webhooks/google-form", data=raw, headers=headers, timeout=5
    )
    assert reply.status_code == status and reply.json()["error"]


def test_oversized_bodies_over_http(deployment) -> None:  # type: ignore[no-untyped-def]
    served, settings = deployment
    payload = body(settings, {"alamat": "x" * 70000})
    raw, headers = signed_request(SECRET.encode(), payload, int(time.time()))
    assert (
        requests.post(
            served.url + "/webhooks/google-form", data=raw, headers=headers, timeout=5
        ).status_code
        == 413
    )
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    conn.request(
        "POST",
        "/webhooks/google-form",
        body=iter([raw[:40000], raw[40000:]]),
        headers=headers,
        encode_chunked=True,
    )  # no Content-Length: chunked
    assert conn.getresponse().status == 413
    conn.close()


def test_health_and_root_page(deployment) -> None:  # type: ignore[no-untyped-def]
    served, _ = deployment
    assert requests.get(served.url + "/healthz", timeout=5).json() == {"status": "ok"}
    page = requests.get(served.url + "/", timeout=5)
    assert "Kabupaten Balangan" in page.text


def test_demo_send_posts_to_the_service(deployment) -> None:  # type: ignore[no-untyped-def]
    """`prens demo send`, as the README shows it, given the service's address alone."""
    served, _ = deployment
    done = prens(
        served.config,
        *("demo", "send", "--url", served.url, "--count", "6", "--seed", "3"),
        env={"PRENS_WEBHOOK_SECRET": SECRET},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines[:-1]] == [f"[{i}/6]" for i in range(1, 7)]
    assert lines[-1].startswith("terkirim 6: ") and "diterima" in lines[-1]
    accepted = [line.split()[1] for line in lines[:-1] if line.split()[2] == "diterima"]
    assert accepted
    assert prens(served.config, "jobs", "run", "flush").returncode == 0
    exported = prens(served.config, "sheet", "export", "Pendaftar").stdout
    assert all(exported.count(reg_id) == 1 for reg_id in accepted)  # stored, then flushed


def test_logs_carry_ids_never_identity_numbers(deployment) -> None:  # type: ignore[no-untyped-def]
    served, settings = deployment
    fields = person(settings, random.Random(5), datetime.now(settings.timezone).date()).fields
    send(served.url, body(settings, fields))
    log = served.output()
    assert "stored: accepted" in log
    for value in (fields["nik"], fields["kk"], fields["telepon"][1:]):
        assert str(value) not in log


def test_the_scheduler_flushes_without_being_asked(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"flush_seconds = 5": "flush_seconds = 1"})
    settings = load_settings(config)
    with Served(config, SECRET) as served:
        reply = send(
            served.url, body(settings, person(settings, random.Random(1), date.today()).fields)
        ).json()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            exported = prens(config, "sheet", "export", "Pendaftar").stdout
            if reply["id"] in exported:
                break
            time.sleep(0.3)
        assert reply["id"] in exported
        assert served.stop() == 0


def test_demo_send_finds_the_service_on_any_port_and_says_when_none_answers(deployment) -> None:  # type: ignore[no-untyped-def]
    # The service runs on a random port here: demo send without --url found nothing at 8080
    # and printed urllib3's "Max retries exceeded".
    served, settings = deployment
    env = {"PRENS_WEBHOOK_SECRET": SECRET}
    done = prens(served.config, "demo", "send", "--count", "2", "--seed", "4", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("terkirim 2: ")
    closed = f"http://127.0.0.1:{free_port()}"
    refused = prens(served.config, "demo", "send", "--url", closed, "--count", "1", env=env)
    assert refused.returncode == 1
    assert f"Tidak ada layanan yang menjawab di {closed}/webhooks/google-form" in refused.stderr
    assert "Max retries" not in refused.stderr and "Traceback" not in refused.stderr
