"""Property: registrations with any Unicode in every answer go the whole way (intake, flush,
verification, sync, notify, compile) and every download, export and page still works."""

from __future__ import annotations

import base64
import io
import itertools
import json
import uuid

import openpyxl
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.compile import compile_final
from jobs.flush import flush
from jobs.notify import notify
from jobs.sync import sync
from prens.cli import main
from sheets_bridge.verifier import set_verifier_cell
from tests.conftest import signed_headers
from tests.lifecycle_helpers import tomorrow_morning
from tests.pages_helpers import csrf_token
from tests.test_validation import BASE

# Any code point JSON can carry: control characters, bidirectional overrides, non-characters,
# lone surrogates (sent as \\udXXX escapes), emoji, and very long runs.
ANY_TEXT = st.text(st.characters(codec=None), max_size=40) | st.text(max_size=400)
FREE = ("alamat", "pekerjaan")  # answers whose content is free: any text is accepted
PAGES = ["/", "/cek-status", "/daftar-penerima", "/daftar-penerima?q=%00%E2%80%AE"]
DOWNLOADS = [
    "/dinas/daftar-final.xlsx",
    "/dinas/daftar-final.csv",
    "/dinas/berita-acara",
    "/dinas/berita-acara.xlsx",
    "/dinas/dashboard",
]


@st.composite
def registration(draw):  # type: ignore[no-untyped-def]
    """A valid person with any text added to the free answers, and any text in the others
    (those then need correction, which goes to the other worksheet)."""
    fields = dict(BASE)
    for name in FREE:
        fields[name] = draw(st.sampled_from(["", fields[name] + " "])) + draw(ANY_TEXT)
    if draw(st.booleans()):
        wild = draw(st.sampled_from([k for k in BASE if k not in FREE]))
        fields[wild] = draw(ANY_TEXT)
    return fields


_serials = itertools.count(1)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=st.lists(registration(), min_size=1, max_size=3), reason=ANY_TEXT)
def test_any_answers_go_the_whole_way(  # type: ignore[no-untyped-def]
    runtime, client, config_path, people, reason
) -> None:
    s = runtime.settings
    accepted = []
    for fields in people:
        if fields["nik"] == BASE["nik"]:  # a NIK of its own: else a duplicate, not listed
            fields["nik"] = f"631106450790{next(_serials) % 10000:04d}"
        answers = {s.questions[k]: v for k, v in fields.items()}
        answers[s.questions["persetujuan"]] = [s.consent_option]
        body = {"responseId": uuid.uuid4().hex, "timestamp": "2026-11-21T10:00:00+08:00"}
        raw = json.dumps({**body, "answers": answers}).encode()  # surrogates as escapes
        reply = client.post("/webhooks/google-form", data=raw, headers=signed_headers(raw))
        assert reply.status_code == 200, reply.get_data(as_text=True)
        if reply.get_json()["status"] == "accepted":
            accepted.append(reply.get_json()["id"])
    flush(runtime.ledger, runtime.sheets, s)
    for n, reg in enumerate(accepted):
        for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
            set_verifier_cell(runtime.sheets, s, "Pendaftar", reg, column, "ya")
        if n == 1:  # a verifier's reason, typed as anything
            set_verifier_cell(runtime.sheets, s, "Pendaftar", reg, "Alasan Penolakan", reason)
    sync(runtime.ledger, runtime.sheets, s, runtime.verification(), outbox=runtime.outbox())
    morning = tomorrow_morning(s)  # outside quiet hours: the messages are written
    notify(
        runtime.ledger,
        runtime.outbox(),
        runtime.verification(),
        s,
        runtime.provider(),
        sleep=lambda _: None,
        jitter=lambda: 0.0,
        clock=lambda: morning,
    )
    compile_final(runtime.ledger, runtime.sheets, s, runtime.verification())

    auth = _officer(runtime)
    for path in DOWNLOADS:
        reply = client.get(path, headers=auth)
        assert reply.status_code == 200, path
        if path.endswith(".xlsx"):
            openpyxl.load_workbook(io.BytesIO(reply.data))  # a file a spreadsheet can open
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    asked = client.post(
        "/cek-status",
        data={
            "csrf_token": csrf_token(client),
            "nik": f"631106450790{next(_serials) % 10000:04d}",  # each its own per-NIK limit
            "tanggal_lahir": "05-07-1990",
        },
        environ_base={"REMOTE_ADDR": f"10.{next(_serials) % 250}.0.1"},
    )
    assert asked.status_code == 200
    for args in (
        ["export", "final", "--format", "xlsx", "-o", str(config_path.parent / "f.xlsx")],
        ["export", "final", "--format", "csv", "-o", str(config_path.parent / "f.csv")],
        ["sheet", "export", "Pendaftar"],
        ["sheet", "export", "Perlu Perbaikan"],
        ["sheet", "export", "Daftar Final"],
    ):
        result = CliRunner().invoke(main, ["--config", str(config_path), *args])
        assert result.exit_code == 0, (args, result.output)


def _officer(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from prens.store.officers import Officers

    officers = Officers(runtime.engine)
    name = "Fuzz"
    if name in officers.names():
        officers.remove(name)
    token = officers.add(name)
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()}
