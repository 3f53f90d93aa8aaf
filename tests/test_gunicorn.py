"""The README's way to run several web workers: gunicorn serving webhooks.wsgi:app, with a
`prens worker` beside it running the jobs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from prens.config import load_settings
from tests.conftest import signed_headers, write_config
from tests.serving import ROOT, free_port, prens
from tests.test_webhook import body

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only"),
]
SECRET = "gunicorn-test-secret"


def test_two_gunicorn_workers_and_a_prens_worker(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"flush_seconds = 5": "flush_seconds = 1"})
    settings = load_settings(config)
    env = {**os.environ, "PRENS_CONFIG": str(config), "PRENS_WEBHOOK_SECRET": SECRET}
    assert prens(config, "db", "upgrade", env=env).returncode == 0
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "webhooks.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    jobs = subprocess.Popen(
        [sys.executable, "-m", "prens", "worker", "--poll-seconds", "0.5"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still loading the app
                pass
            assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.2)
        ids = []
        for i in range(6):
            raw = json.dumps(body(settings, rid=f"g-{i}", nik=f"63110645079000{i + 1}1")).encode()
            reply = requests.post(
                url + "/webhooks/google-form",
                data=raw,
                headers=signed_headers(raw, SECRET.encode()),
                timeout=10,
            )
            assert reply.status_code == 200, reply.text
            ids.append(reply.json()["id"])
        deadline = time.monotonic() + 20
        while True:
            exported = prens(config, "sheet", "export", "Pendaftar", env=env).stdout
            if all(i in exported for i in ids):
                break
            assert time.monotonic() < deadline, "the worker never flushed"
            time.sleep(0.3)
    finally:
        for proc in (web, jobs):
            proc.terminate()
            proc.wait(timeout=30)
        log.close()
    assert web.returncode == 0 and jobs.returncode == 0
    # The web workers log as `prens serve` does (gunicorn sets up only its own loggers): each
    # stored registration by id, and never a NIK, KK or phone number.
    logged = (tmp_path / "gunicorn.log").read_text()
    assert all(f"registration {i} stored: accepted" in logged for i in ids), logged
    assert not re.search(r"\d{12,}", logged), logged
