"""Every route the web app serves, as a signed-in officer's browser (or anyone) could call it:
random path parts, form fields, query strings and files, with and without a valid CSRF token,
and real upload ids (an import preview and a bill check) among the random ones. Nothing is
answered with a server error or a traceback. The sweep is seeded, so a failure reruns the same.

Routes added later are swept without a change here."""

from __future__ import annotations

import io
import random
import re
from typing import Any

from tests.bpjs_helpers import csv_bytes, enrol, nik, xlsx
from tests.pages_helpers import CSRF, sign_in

REQUESTS = 800
WORDS = [
    "",
    "x",
    "0",
    "-1",
    "2025-02",
    "2025-13",
    "9999-99",
    "ya",
    "\x00",
    "%",
    "' OR 1=1 --",
    "\u202e",
    "\ufffd",
    "a" * 300,
    "6311064507900001",
    "=1+1",
    "..",
    "25000000001",
]
FIELDS = ["bulan", "terima_nama_berbeda", "nama", "token", "q", "catatan", "cetak", "format"]
PLACEHOLDER = re.compile(r"<[^>]+>")
SESSION_ROUTES = re.compile(r"/(masuk|keluar)$")  # signing in and out is tested on its own


def files(rng: random.Random) -> tuple[io.BytesIO, str]:
    blob = rng.choice(
        [
            b"",
            b"NIK,KPJ\n1,2\n",
            bytes(rng.getrandbits(8) for _ in range(300)),
            b"PK\x03\x04" + bytes(60),
            csv_bytes([["NIK", "KPJ", "Iuran"], [nik(0), "25000000001", "abc"]], delimiter=";"),
            xlsx([["NIK", "Nama", "KPJ"], [nik(1), "=HYPERLINK(1)", 25000000002]]),
        ]
    )
    return io.BytesIO(blob), rng.choice(["a.xlsx", "a.csv", "a.xls", "", "a.exe", "../../a.csv"])


def test_no_request_to_any_route_gets_a_server_error(client, config_path, app, runtime) -> None:  # type: ignore[no-untyped-def]
    enrol(runtime, client)
    sign_in(client, config_path)
    csrf = CSRF.search(client.get("/dinas/bpjs/").data).group(1).decode()
    preview = client.post(
        "/dinas/bpjs/impor",
        data={
            "csrf_token": csrf,
            "berkas": (io.BytesIO(xlsx([["NIK", "KPJ"], [nik(0), "25000000001"]])), "h.xlsx"),
        },
        content_type="multipart/form-data",
    )
    bill = client.post(
        "/dinas/bpjs/tagihan",
        data={
            "csrf_token": csrf,
            "bulan": "2025-03",
            "berkas": (io.BytesIO(csv_bytes([["NIK", "Iuran"], [nik(0), "16800"]])), "t.csv"),
        },
        content_type="multipart/form-data",
    )
    upload_ids = [r.headers["Location"].rstrip("/").rsplit("/", 1)[1] for r in (preview, bill)]
    assert all(r.status_code == 302 for r in (preview, bill))

    routes = [
        (rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}))
        for rule in app.url_map.iter_rules()
        if not SESSION_ROUTES.search(rule.rule)
    ]
    rng = random.Random(17)
    errors = []
    for _ in range(REQUESTS):
        rule, methods = rng.choice(routes)
        # Half the time, a preview or a bill that exists.
        parts = upload_ids if rng.random() < 0.5 else [*WORDS, "%2F", "abc"]
        path = PLACEHOLDER.sub(lambda _m, parts=parts: rng.choice(parts) or "x", rule)
        method = rng.choice(methods)
        data: dict[str, Any] = {k: rng.choice(WORDS) for k in rng.sample(FIELDS, rng.randint(0, 4))}
        if rng.random() < 0.8:
            data["csrf_token"] = csrf
        if method == "GET":
            reply = client.get(path, query_string=data)
        else:
            if rng.random() < 0.5:
                data["berkas"] = files(rng)
            reply = client.open(path, method=method, data=data, content_type="multipart/form-data")
        if reply.status_code >= 500 or b"Traceback" in reply.data:
            errors.append((method, path, sorted(data), reply.status_code))
    assert not errors, errors[:10]
