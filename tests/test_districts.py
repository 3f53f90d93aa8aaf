"""Several districts in one deployment: each program's own webhook path and secret, database,
pages and officers; one district's data is never visible to another's officers."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from prens.cli import main
from prens.deployment import load_deployment
from prens.errors import ConfigError
from prens.runtime import open_runtime
from prens.store.officers import Officers
from tests.conftest import signed_headers, write_config
from tests.test_webhook import body
from webhooks.serve import deployment_app

TRENGGALEK = """code,name,level
35.03,Kabupaten Trenggalek,kabupaten
35.03.01,Panggul,kecamatan
35.03.01.2001,Besuki,desa
"""
SECRETS = {"balangan": b"secret-of-balangan", "trenggalek": b"secret-of-trenggalek"}


def deployment_file(tmp_path: Path) -> Path:
    """Balangan and a small Trenggalek, each with its own data directory."""
    for name in ("balangan", "trenggalek"):
        (tmp_path / name).mkdir()
    write_config(tmp_path / "balangan")
    trenggalek = write_config(
        tmp_path / "trenggalek",
        {
            'district = "Kabupaten Balangan"': 'district = "Kabupaten Trenggalek"',
            'id_prefix = "BLG"': 'id_prefix = "TRG"',
            'code = "63.11" ': 'code = "35.03" ',
            '# file = "wilayah.csv" ': 'file = "wilayah.csv" ',
            # Balangan's spellings name no place of Trenggalek: refused if kept.
            '"Buntut Pilanduk" = "Buntu Pilanduk"\n': "",
            '"Simpang Nadung" = "Simpang Nadong"\n': "",
        },
    )
    (trenggalek.parent / "wilayah.csv").write_text(TRENGGALEK, encoding="utf-8")
    path = tmp_path / "deployment.toml"
    path.write_text(
        "[programs]\n"
        'balangan = "balangan/balangan.toml"\n'
        'trenggalek = "trenggalek/balangan.toml"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        "PRENS_WEBHOOK_SECRET_BALANGAN": SECRETS["balangan"].decode(),
        "PRENS_WEBHOOK_SECRET_TRENGGALEK": SECRETS["trenggalek"].decode(),
    }
    app, runtimes, _dev = deployment_app(str(deployment_file(tmp_path)), env, False)
    yield app, runtimes
    for runtime in runtimes.values():
        runtime.close()


def client_of(app):  # type: ignore[no-untyped-def]
    from werkzeug.test import Client

    return Client(app)


def send(client, program: str, secret: bytes, payload: dict):  # type: ignore[no-untyped-def,type-arg]
    raw = json.dumps(payload).encode()
    return client.post(
        f"/webhooks/google-form/{program}", data=raw, headers=signed_headers(raw, secret)
    )


def test_each_program_has_its_webhook_secret_and_database(served) -> None:  # type: ignore[no-untyped-def]
    app, runtimes = served
    client = client_of(app)
    balangan = runtimes["balangan"].settings
    trenggalek = runtimes["trenggalek"].settings
    ok = send(client, "balangan", SECRETS["balangan"], body(balangan))
    assert ok.status_code == 200 and ok.json["id"].startswith("BLG-")
    person_t = body(
        trenggalek, rid="t-1", kecamatan="Panggul", desa="Besuki", nik="3503014507900011"
    )
    reply = send(client, "trenggalek", SECRETS["trenggalek"], person_t)
    assert reply.status_code == 200 and reply.json["id"].startswith("TRG-"), reply.json
    # Another program's secret is refused; an unknown program is a 404.
    assert (
        send(client, "trenggalek", SECRETS["balangan"], body(trenggalek, rid="t-2")).status_code
        == 401
    )
    assert send(client, "bangli", SECRETS["balangan"], body(balangan)).status_code == 404
    # Each registration is in its own program's database only.
    assert runtimes["balangan"].ledger.counts_by_status() == {"accepted": 1}
    assert runtimes["trenggalek"].ledger.get(ok.json["id"]) is None
    assert runtimes["balangan"].ledger.get(reply.json["id"]) is None
    assert client.get("/healthz").status_code == 200


def test_an_officer_of_one_district_sees_nothing_of_another(served) -> None:  # type: ignore[no-untyped-def]
    app, runtimes = served
    client = client_of(app)
    token = Officers(runtimes["balangan"].engine).add("Budi")
    basic = "Basic " + base64.b64encode(f"Budi:{token}".encode()).decode()
    own = client.get("/balangan/dinas/daftar-final.csv", headers={"Authorization": basic})
    other = client.get("/trenggalek/dinas/daftar-final.csv", headers={"Authorization": basic})
    assert own.status_code == 200 and other.status_code == 401
    dashboard = client.get("/trenggalek/dinas/dashboard", headers={"Authorization": basic})
    assert dashboard.status_code == 302 and dashboard.headers["Location"].endswith(
        "/trenggalek/dinas/masuk"
    )
    # The public pages are per program too, with their own district's name and links.
    page = client.get("/trenggalek/cek-status").get_data(as_text=True)
    assert "Kabupaten Trenggalek" in page and 'action="/trenggalek/cek-status"' in page


def test_commands_act_on_the_program_named(tmp_path: Path) -> None:
    path = deployment_file(tmp_path)
    runner = CliRunner()
    missing = runner.invoke(main, ["--config", str(path), "officer", "add", "Budi"])
    assert missing.exit_code == 1 and "--program" in missing.output
    added = runner.invoke(
        main, ["--config", str(path), "--program", "trenggalek", "officer", "add", "Budi"]
    )
    assert added.exit_code == 0, added.output
    deployment = load_deployment(path)
    rt = open_runtime(deployment.program("balangan"))
    try:
        assert Officers(rt.engine).names() == []
    finally:
        rt.close()


def test_programs_must_not_share_a_database(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    write_config(tmp_path / "a")
    path = tmp_path / "deployment.toml"
    path.write_text('[programs]\none = "a/balangan.toml"\ntwo = "a/balangan.toml"\n')
    with pytest.raises(ConfigError, match="its own \\[storage\\]"):
        load_deployment(path)


@pytest.mark.parametrize("path", ["/", "/nowhere", "/webhooks/google-form/nowhere"])
def test_the_index_and_its_404s_carry_the_pages_headers(served, path: str) -> None:  # type: ignore[no-untyped-def]
    app, _ = served
    reply = client_of(app).get(path)
    assert reply.status_code == (200 if path == "/" else 404)
    for header in ("Content-Security-Policy", "Referrer-Policy", "Cache-Control"):
        assert header in reply.headers
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
