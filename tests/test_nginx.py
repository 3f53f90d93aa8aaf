"""The service as a district deploys it: `prens serve` behind Debian's nginx, which terminates
TLS with the repository's site configuration (deploy/nginx/prens.conf, the README's). Clients
come from distinct loopback addresses, so nginx sees each as its own: the service must too."""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from python_calamine import CalamineWorkbook
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from prens.config import load_settings
from prens.demo import person, signed_request
from prens.runtime import open_runtime
from prens.store.officers import Officers
from prens.store.schema import audit_log
from sheets_bridge.membership import current_numbers
from tests.conftest import ON_POSTGRESQL, write_config
from tests.nginx import NGINX, SITE, Nginx
from tests.pages_helpers import SIXTEEN_DIGITS
from tests.serving import ROOT, Served
from tests.test_pages_browser import CHROMIUM, PHONE, browser, shot

if NGINX is None and os.environ.get("CI"):
    pytest.fail(
        "nginx is needed in CI for the deployment tests (apt-get install nginx)", pytrace=False
    )
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed: the proxy is untested"),
]
__all__ = ["browser"]  # the fixture, shared with the page tests
SECRET = "nginx-test-secret"
PROXIED = {
    "flush_seconds = 5": "flush_seconds = 3600",
    "trusted_proxies = 0 ": "trusted_proxies = 1 ",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class FromAddress(HTTPAdapter):
    """Connections from one loopback address (127.0.0.x): to nginx, a client of its own."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Deployment:
    def __init__(self, served: Served, nginx: Nginx, token: str, config: Path):
        self.served, self.nginx, self.token, self.config = served, nginx, token, config

    def client(self, address: str) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # a CA bundle named in the environment would win over verify
        session.mount("https://", FromAddress(address))
        session.verify = str(self.nginx.cert)
        # As a browser sends it (the pages' Referrer-Policy is same-origin): over https the
        # CSRF check compares it with the host.
        session.headers["Referer"] = self.nginx.url + "/"
        return session

    def audit(self, kind: str) -> list[dict]:  # type: ignore[type-arg]
        import json

        runtime = open_runtime(load_settings(self.config))
        try:
            with runtime.engine.connect() as conn:
                rows = conn.execute(
                    select(audit_log.c.actor, audit_log.c.detail).where(audit_log.c.kind == kind)
                ).all()
        finally:
            runtime.close()
        return [{"actor": r.actor, **json.loads(r.detail or "{}")} for r in rows]


def served_behind_nginx(
    directory: Path, people: int = 0, config: Path | None = None
) -> Iterator[Deployment]:
    """The Balangan configuration behind nginx, with an officer, and `people` registrations."""
    config = config or write_config(directory, PROXIED)
    if people:
        from bench.compile import seed

        seed(load_settings(config), people)
    runtime = open_runtime(load_settings(config))
    try:
        token = Officers(runtime.engine).add("Budi Dinas")
    finally:
        runtime.close()
    with Served(config, SECRET) as served, Nginx(directory, served.port) as nginx:
        yield Deployment(served, nginx, token, config)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield from served_behind_nginx(tmp_path_factory.mktemp("nginx"))


def csrf(session: requests.Session, url: str) -> str:
    found = CSRF.search(session.get(url, timeout=10).text)
    assert found, url
    return found.group(1)


def test_the_readme_gives_the_tested_configuration() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "```nginx\n" + SITE.read_text(encoding="utf-8") + "```" in readme


def test_plain_http_is_sent_to_https(deployment: Deployment) -> None:
    reply = requests.get(
        f"http://127.0.0.1:{deployment.nginx.http_port}/cek-status",
        allow_redirects=False,
        timeout=10,
    )
    assert reply.status_code == 301 and reply.headers["Location"].startswith("https://")


def test_signed_submissions_pass_through(deployment: Deployment) -> None:
    settings = load_settings(deployment.config)
    import random
    from datetime import datetime

    fields = person(settings, random.Random(5), datetime.now(settings.timezone).date()).fields
    payload = {
        "responseId": "nginx-1",
        "timestamp": datetime.now(settings.timezone).isoformat(),
        "answers": {settings.questions[k]: v for k, v in fields.items()},
    }
    raw, headers = signed_request(SECRET.encode(), payload, int(time.time()))
    client = deployment.client("127.0.0.1")
    reply = client.post(
        deployment.nginx.url + "/webhooks/google-form", data=raw, headers=headers, timeout=30
    )
    assert reply.status_code == 200 and reply.json()["status"] == "accepted", reply.text
    forged = client.post(
        deployment.nginx.url + "/webhooks/google-form",
        data=raw.replace(b"nginx-1", b"nginx-2"),
        headers=headers,
        timeout=30,
    )
    assert forged.status_code == 401


def test_the_apps_script_posts_through(deployment: Deployment, tmp_path: Path) -> None:
    from tests.test_apps_script import NODE, form_event, run_script

    if NODE is None:
        pytest.skip("node is not installed")
    settings = load_settings(deployment.config)
    import random
    from datetime import datetime

    fields = person(settings, random.Random(8), datetime.now(settings.timezone).date()).fields
    out = run_script(
        tmp_path,
        form_event(settings, fields, "2_nginx"),
        deployment.nginx.url,
        SECRET,
        NODE_EXTRA_CA_CERTS=str(deployment.nginx.cert),
    )
    assert out["returned"] == 200, out


def test_cek_status_counts_each_citizen_by_their_own_address(deployment: Deployment) -> None:
    url = deployment.nginx.url + "/cek-status"

    def ask(session: requests.Session, n: int, **headers: str) -> int:
        form = {"csrf_token": csrf(session, url), "nik": f"63110645079{n:05d}"}
        form["tanggal_lahir"] = "1990-07-05"
        return session.post(url, data=form, headers=headers, timeout=10).status_code

    first = deployment.client("127.0.0.21")
    codes = [ask(first, n) for n in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    # Whatever the client says it forwards for, nginx appends its real address: still limited.
    assert ask(first, 99, **{"X-Forwarded-For": "10.1.2.3"}) == 429
    assert ask(deployment.client("127.0.0.22"), 1) == 200  # another citizen


def test_failed_logins_are_counted_per_client_and_addresses_audited(deployment: Deployment) -> None:
    url = deployment.nginx.url + "/dinas/masuk"
    guesser = deployment.client("127.0.0.31")
    codes = []
    for i in range(11):
        form = {"csrf_token": csrf(guesser, url), "nama": f"Orang {i}", "token": "salah"}
        codes.append(guesser.post(url, data=form, timeout=10).status_code)
    # The tenth failure is the limit ("10 per 15 minutes"): answered 429 already.
    assert codes == [401] * 9 + [429, 429]
    officer = deployment.client("127.0.0.32")  # the officer is not locked out by a guesser
    form = {"csrf_token": csrf(officer, url), "nama": "Budi Dinas", "token": deployment.token}
    signed = officer.post(url, data=form, timeout=10, allow_redirects=False)
    assert signed.status_code == 302, signed.text[:300]
    assert officer.get(deployment.nginx.url + "/dinas/dashboard", timeout=10).status_code == 200
    logins = deployment.audit("login")
    assert [e["ip"] for e in logins if e["actor"] == "Budi Dinas"] == ["127.0.0.32"]
    failures = {e["ip"] for e in deployment.audit("login_failed")}
    assert failures == {"127.0.0.31"}


def test_cookies_are_secure_over_https(deployment: Deployment) -> None:
    url = deployment.nginx.url + "/dinas/masuk"
    session = deployment.client("127.0.0.41")
    page = session.get(url, timeout=10)
    cookie = page.headers["Set-Cookie"]
    assert "session=" in cookie and "; Secure" in cookie and "HttpOnly" in cookie
    direct = requests.get(deployment.served.url + "/dinas/masuk", timeout=10)  # plain http
    assert "session=" in direct.headers["Set-Cookie"]
    assert "Secure" not in direct.headers["Set-Cookie"]


def test_a_branch_file_of_twenty_thousand_rows_is_uploaded(deployment: Deployment) -> None:
    from tests.bpjs_helpers import branch_rows, xlsx

    data = xlsx(branch_rows(20_000))
    session = deployment.client("127.0.0.51")
    url = deployment.nginx.url + "/dinas/masuk"
    form = {"csrf_token": csrf(session, url), "nama": "Budi Dinas", "token": deployment.token}
    assert session.post(url, data=form, timeout=10).ok
    bpjs = deployment.nginx.url + "/dinas/bpjs/"
    reply = session.post(
        bpjs + "impor",
        data={"csrf_token": csrf(session, bpjs)},
        files={"berkas": ("hasil-bpjs.xlsx", data)},
        timeout=120,
    )
    assert reply.status_code == 200 and "Pratinjau" in reply.text, reply.text[:500]


@pytest.fixture(scope="module")
def decree_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    # A quarter of them still waiting for verification: about 100,700 on the list.
    yield from served_behind_nginx(tmp_path_factory.mktemp("decree"), people=130_000)


@pytest.mark.skipif(ON_POSTGRESQL, reason="the proxy's part: run once, on the SQLite pass")
def test_the_decree_list_of_100000_people_downloads_through_nginx(decree_deployment) -> None:  # type: ignore[no-untyped-def]
    d = decree_deployment
    started = time.monotonic()
    reply = d.client("127.0.0.61").get(
        d.nginx.url + "/dinas/daftar-final.xlsx", auth=("Budi Dinas", d.token), timeout=600
    )
    took = time.monotonic() - started
    assert reply.status_code == 200, (reply.status_code, reply.text[:300], d.nginx.errors())
    book = CalamineWorkbook.from_filelike(io.BytesIO(reply.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert len(rows) - 1 >= 100_000, len(rows)
    print(f"decree list of {len(rows) - 1} rows through nginx in {took:.1f} s")


@pytest.fixture(scope="module")
def branch_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """20,000 people in BERKAS LENGKAP behind nginx, and the branch's file of their numbers."""
    from bench.bpjs_import import result_file, seed

    directory = tmp_path_factory.mktemp("branch")
    config = write_config(directory, PROXIED)
    (directory / "hasil-bpjs.xlsx").write_bytes(result_file(seed(load_settings(config), 20_000)))
    yield from served_behind_nginx(directory, config=config)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: pages untested")
@pytest.mark.skipif(ON_POSTGRESQL, reason="the proxy's part: run once, on the SQLite pass")
def test_an_officer_previews_and_applies_twenty_thousand_numbers_in_chromium(
    branch_deployment: Deployment, browser
) -> None:  # type: ignore[no-untyped-def]
    d = branch_deployment
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="id-ID", ignore_https_errors=True
    )
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.goto(d.nginx.url + "/dinas/masuk")
    page.get_by_label("Nama petugas").fill("Budi Dinas")
    page.get_by_label("Token").fill(d.token)
    page.get_by_role("button", name="Masuk").click()
    page.goto(d.nginx.url + "/dinas/bpjs/")
    page.get_by_label("Berkas hasil BPJS").set_input_files(str(d.config.parent / "hasil-bpjs.xlsx"))
    page.get_by_role("button", name="Unggah dan lihat pratinjau").click()
    assert page.get_by_role("heading", name="Pratinjau: belum ada yang berubah").is_visible()
    text = page.inner_text("main")
    assert "20.000" in text and not SIXTEEN_DIGITS.search(text)
    shot(page, "bpjs-pratinjau-20000-nginx")
    page.get_by_role("button", name="Terapkan 20.000 nomor").click()
    assert page.get_by_role("heading", name="Diterapkan").is_visible()
    context.close()
    runtime = open_runtime(load_settings(d.config))
    try:
        numbers = current_numbers(runtime.sheets, runtime.settings)
    finally:
        runtime.close()
    assert sum(1 for n in numbers.values() if n) == 20_000
