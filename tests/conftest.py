"""Shared fixtures: a real configuration (the shipped Balangan one) with its data in a temp dir,
a real SQLite ledger, the real app through Flask's test client."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from prens.config import Settings, load_settings
from prens.intake.signing import sign
from prens.runtime import Runtime, open_runtime
from tests.databases import ON_POSTGRESQL, drop_created, new_postgresql_url
from webhooks import create_app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "balangan.toml"
SECRET = b"test-secret-for-the-webhook"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The environment overrides configuration: keep the developer's own out of the tests.
    for name in (
        "PRENS_CONFIG",
        "PRENS_WEBHOOK_SECRET",
        "PRENS_WEBHOOK_SECRET_FILE",
        "PRENS_SHEET_BACKEND",
        "PRENS_SHEET_SPREADSHEET_KEY",
        "PRENS_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def write_config(
    directory: Path, replace: dict[str, str] | None = None, database: str | None = None
) -> Path:
    """The shipped Balangan configuration, with its data directory inside `directory`; its
    database is SQLite there, or a fresh PostgreSQL schema (`database="postgresql"`, or every
    configuration when PRENS_TEST_DATABASE=postgresql)."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        'data_dir = "../data"', 'data_dir = "data"'
    )
    if database == "postgresql" or (database is None and ON_POSTGRESQL):
        url = new_postgresql_url()
        text = text.replace(
            '# url = "postgresql+psycopg://user@host/prens"   # or PRENS_DATABASE_URL',
            f'url = "{url}"',
        )
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = directory / "balangan.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def _drop_test_schemas():  # type: ignore[no-untyped-def]
    yield
    drop_created()


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str | None:
    """ "sqlite" or "postgresql" in the modules marked both_databases; None elsewhere."""
    return getattr(request, "param", None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_databases") and (
        "database" in metafunc.fixturenames
    ):
        metafunc.parametrize("database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def config_path(tmp_path: Path, database: str | None) -> Path:
    return write_config(tmp_path, database=database)


@pytest.fixture
def settings(config_path: Path) -> Settings:
    return load_settings(config_path)


@pytest.fixture
def runtime(settings: Settings):  # type: ignore[no-untyped-def]
    rt = open_runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    return create_app(runtime, SECRET, {"TESTING": True})


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def signed_headers(raw: bytes, secret: bytes = SECRET, at: int | None = None) -> dict[str, str]:
    at = int(time.time()) if at is None else at
    return {
        "Content-Type": "application/json",
        "X-Prens-Timestamp": str(at),
        "X-Prens-Signature": sign(secret, at, raw),
    }


def post(client, body: object):  # type: ignore[no-untyped-def]
    """Post a signed JSON body to the webhook through the test client."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    return client.post("/webhooks/google-form", data=raw, headers=signed_headers(raw))


@pytest.fixture(params=["local", "google"])
def verifying(request, runtime, client, settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Four registrations in "Pendaftar", set up on the local backend or on Google (the fake):
    (runtime, the fake or None, ids). The third has a title in its name (a warning)."""
    import dataclasses

    from jobs.flush import flush
    from sheets_bridge.setup import worksheet_layouts
    from tests.google_fixtures import SPREADSHEET, google_on_fake

    fake = None
    if request.param == "google":
        sheets, fake = google_on_fake(tmp_path)
        settings = dataclasses.replace(
            settings, sheet_backend="google", spreadsheet_key=SPREADSHEET
        )
        runtime = Runtime(settings, runtime.engine, runtime.ledger, sheets)
    for layout in worksheet_layouts(settings):
        runtime.sheets.apply_layout(layout)
    from tests.test_webhook import body

    ids = [
        post(
            client,
            body(
                settings,
                rid=f"r{i}",
                nik=f"631106450790{i + 1:04d}",
                nama="Hj. Siti" if i == 2 else f"Orang {chr(65 + i)}",
            ),
        ).get_json()["id"]
        for i in range(4)
    ]
    flush(runtime.ledger, runtime.sheets, settings)
    return runtime, fake, ids
