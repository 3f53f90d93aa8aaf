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


def test_the_pages_and_files_an_officer_reads(runtime, client, config_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from prens.store.outbox import enqueue_many

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
    for path in (
        "/dinas/masuk",
        "/kantor/masuk",
        "/dinas/dashboard",
        "/dinas/evaluasi",
        "/dinas/berita-acara",
        "/dinas/bpjs/",
    ):
        page = client.get(path, headers=auth)
        assert page.status_code == 200, path
        assert english_in(visible(page.get_data(as_text=True))) == [], path
    for path in ("/dinas/evaluasi.xlsx", "/dinas/daftar-final.xlsx", "/dinas/berita-acara.xlsx"):
        book = load_workbook(io.BytesIO(client.get(path, headers=auth).data))
        words = [ws.title for ws in book.worksheets]
        for ws in book.worksheets:
            words += [str(c) for row in ws.iter_rows(values_only=True) for c in row if c]
        assert english_in(" ".join(words)) == [], path


def test_the_commands_an_operator_runs(runtime, client, config_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    people = populate(runtime, client)

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
    }
    for job in ("flush", "sync", "notify", "compile", "reconcile", "rollover", "reminders"):
        outputs[f"jobs run {job}"] = run("jobs", "run", job)
    outputs["jobs run uploads"] = run("jobs", "run", "uploads")
    for command in [(), *_commands(main)]:
        outputs[f"{' '.join(command)} --help"] = run(*command, "--help")
    for command, output in outputs.items():
        assert english_in(output) == [], (command, output)
