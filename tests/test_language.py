"""Bahasa Indonesia where officers, offices and operators read: the pages and files they open,
and the commands they run (every command's help, and the typical output of those translated so
far: `office`, `officer`, `notifications`, `audit`, `check-config`, `export final`, `report
evaluasi`), walked for English words and machine names. Code, logs for developers and developer
docs stay English."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import click
from click.testing import CliRunner
from openpyxl import load_workbook

from prens.cli import main
from prens.store.officers import Officers
from tests.pages_helpers import populate

# Whole words (any case) that are English, and the machine's names for things ("No", the
# column of numbers, is Indonesian: nomor).
ENGLISH = re.compile(
    r"\b(the|and|of|with|for|from|to|is|are|not|yet|row\(s\)|rows?|added|removed|period|"
    r"quota|budget|received|state|download|export|failed|sent|pending|uncertain|superseded|"
    r"since|database|worksheets?|sheet|evaluation|month\(s\)|people|members?|"
    r"needs_correction|accepted|duplicate|documents_reminder|login_failed|first_entry)\b",
    re.IGNORECASE,
)
# What click itself prints around a command's own words.
CLICK = re.compile(
    r"Usage:.*|Options:|Show this message and exit\.|Show the version and exit\.|"
    r"\[OPTIONS\]|\[ARGS\]\.\.\.|COMMAND|TEXT|FILE|INTEGER|-h, --help|"
    r"^  [a-z][\w-]*(?=  )|Commands:",  # a group's list: each command by its name
    re.MULTILINE,
)
# Names that are the program's own words, whatever their language.
OWN = re.compile(
    r"Lindungi Prens|BPJS|NIK|KK|KPJ|XLSX|CSV|TOML|PRENS_\w+|--\w[\w-]*|/\S+|"
    r"\S+\.(?:xlsx|csv|toml)|\[\[periods\]\]|"
    r"No\.?\s+(?:KPJ|KTP|Kepesertaan)|"  # "No.": nomor
    r"^\s*prens .*|`prens [^`]*`|"  # a command line, as typed
    r"\[\w+\]\s+\w+|\[[\w|. -]+\]|"  # a key ([responses] worksheet), choices ([pending|sent])
    r"^(?:flush|sync|notify|compile|reconcile|rollover|reminders|uploads):",  # a job's name
    re.MULTILINE,
)


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in group.commands.items():
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out += _commands(command, (*prefix, name))
    return out


def english_in(text: str) -> list[str]:
    text = OWN.sub(" ", CLICK.sub(" ", text))
    return sorted({m.group(0) for m in ENGLISH.finditer(text)})


def visible(html: str) -> str:
    """A page's text as a person reads it (no tags, scripts or styles)."""
    html = re.sub(r"(?s)<(style|script)\b.*?</\1>", " ", html)
    return re.sub(r"<[^>]+>", " ", html)


def _read(path: str, reply, where: str) -> None:  # type: ignore[no-untyped-def]
    """Check one answer: a page's text, or an XLSX's sheet names and cells (a CSV is for
    machines)."""
    kind = reply.headers.get("Content-Type", "")
    if reply.status_code in (301, 302, 303):
        return  # a browser follows it; werkzeug's body for it is never seen
    if kind.startswith("text/html"):
        assert english_in(visible(reply.get_data(as_text=True))) == [], (where, path)
    elif "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(reply.data))
        words = [ws.title for ws in book.worksheets]
        for ws in book.worksheets:
            words += [str(c) for row in ws.iter_rows(values_only=True) for c in row if c]
        assert english_in(" ".join(words)) == [], (where, path)


def _pages(client) -> list[str]:  # type: ignore[no-untyped-def]
    """Every address the app answers GET on without parts in it."""
    return sorted(
        rule.rule
        for rule in client.application.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static")
    )


def test_every_page_and_file_an_officer_or_office_reads(runtime, client, config_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from prens.rules.offices import DESA
    from prens.store.outbox import enqueue_many
    from tests.bpjs_helpers import nik, xlsx
    from tests.offices_helpers import LASUNG_BATU, office
    from tests.pages_helpers import CSRF

    people = populate(runtime, client)
    with runtime.engine.begin() as conn:  # messages of the kinds a machine names otherwise
        enqueue_many(
            conn,
            [
                (people["menunggu"].id, "needs_correction"),
                (people["terverifikasi"].id, "documents_reminder"),
            ],
            datetime.now(UTC),
        )
    token = Officers(runtime.engine).add("Rahmat")
    auth = {"Authorization": "Basic " + base64.b64encode(f"Rahmat:{token}".encode()).decode()}
    for path in _pages(client):
        if path.startswith("/kantor") or path.startswith("/webhooks"):
            continue
        reply = client.get(path, headers=auth)
        assert reply.status_code in (200, 302, 404), path  # 404: a page switched off
        _read(path, reply, "dinas")
    # The BPJS pages of an upload and a bill check, signed in on the page.
    signed = client.application.test_client()
    form = CSRF.search(signed.get("/dinas/masuk").data).group(1).decode()  # type: ignore[union-attr]
    signed.post("/dinas/masuk", data={"nama": "Rahmat", "token": token, "csrf_token": form})
    csrf = CSRF.search(signed.get("/dinas/bpjs/").data).group(1).decode()  # type: ignore[union-attr]
    rows = [["NIK", "KPJ", "Iuran"], [nik(0), "25000000001", "16800"]]
    for url, extra in (("/dinas/bpjs/impor", {}), ("/dinas/bpjs/tagihan", {"bulan": "2026-11"})):
        reply = signed.post(
            url,
            data={"csrf_token": csrf, "berkas": (io.BytesIO(xlsx(rows)), "f.xlsx"), **extra},
            content_type="multipart/form-data",
        )
        assert reply.status_code == 302, reply.get_data(as_text=True)[:300]
        for page in (reply.headers["Location"], reply.headers["Location"] + "/laporan.xlsx"):
            _read(page, signed.get(page), "bpjs")
    # An office's pages, signed in as a desa office.
    desa = client.application.test_client()
    office_token = office(runtime, "Desa Lasung Batu", DESA, LASUNG_BATU)
    form = CSRF.search(desa.get("/kantor/masuk").data).group(1).decode()  # type: ignore[union-attr]
    desa.post(
        "/kantor/masuk",
        data={"nama": "Desa Lasung Batu", "token": office_token, "csrf_token": form},
    )
    for path in [p for p in _pages(client) if p.startswith("/kantor")] + ["/kantor/?cetak=1"]:
        _read(path, desa.get(path), "kantor")


def test_the_commands_an_operator_runs(runtime, client, config_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.bpjs_helpers import nik, xlsx

    people = populate(runtime, client)
    branch = tmp_path / "cabang.xlsx"
    branch.write_bytes(xlsx([["NIK", "KPJ", "Iuran"], [nik(0), "25000000001", "16800"]]))

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--config", str(config_path), *args])
        assert result.exit_code == 0, result.output
        return result.output

    outputs = {
        "office add": run("office", "add", "--desa", "Lasung Batu"),
        "office list": run("office", "list"),
        "check-config": run("check-config"),
        "export final": run("export", "final", "-o", str(tmp_path / "f.xlsx")),
        "report evaluasi": run("report", "evaluasi", "-o", str(tmp_path / "e.xlsx")),
        "audit": run("audit", people["terdaftar"].id),
        "audit --downloads": run("audit", "--downloads"),
        "sheet setup": run("sheet", "setup"),
        "db upgrade": run("db", "upgrade"),
        "officer add": run("officer", "add", "Budi"),
        "officer list": run("officer", "list"),
        "notifications list": run("notifications", "list"),
        "bpjs export": run("bpjs", "export", "-o", str(tmp_path / "b.xlsx")),
        "bpjs import": run("bpjs", "import", str(branch)),
        "bpjs check-bill": run("bpjs", "check-bill", str(branch), "--month", "2026-11"),
        "sheet set": run(
            "sheet",
            "set",
            "Pendaftar",
            "--id",
            people["menunggu"].id,
            "--column",
            "Verifikasi Dinas",
            "--value",
            "TRUE",
        ),
        "officer remove": run("officer", "remove", "Budi"),
        "office remove": run("office", "remove", "Desa Lasung Batu"),
    }
    doctor = CliRunner().invoke(main, ["--config", str(config_path), "doctor"])
    outputs["doctor"] = doctor.output
    for job in ("flush", "sync", "notify", "compile", "reconcile", "rollover", "reminders"):
        outputs[f"jobs run {job}"] = run("jobs", "run", job)
    outputs["jobs run uploads"] = run("jobs", "run", "uploads")
    for command in [(), *_commands(main)]:
        outputs[f"{' '.join(command)} --help"] = run(*command, "--help")
    for command, output in outputs.items():
        assert english_in(output) == [], (command, output)
