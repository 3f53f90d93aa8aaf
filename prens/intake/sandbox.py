"""Reading an untrusted spreadsheet where it cannot hurt the service: the cheap checks (empty,
size, kind) here, then the parsing (prens.intake.tables) in a child process with hard limits on
its memory (address space), CPU seconds and wall time. The parent gets plain rows back, or a
refusal in words; a child that is killed, aborts (a reader library's failed allocation ends the
process, with no exception to catch) or runs out of time is a refusal, never a crash, and the
service's other threads run on meanwhile (the parent only waits on a pipe).

The child is `python -m prens.intake.sandbox`: the file on its standard input, JSON on its
standard output (never pickle: what comes back from a child that read hostile data is data)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from prens.intake.tables import (
    OLE,
    ZIP,
    FileRefused,
    Table,
    looks_like_text,
    parse_tables,
)

log = logging.getLogger(__name__)

TOO_HARD = (
    "Berkas terlalu besar atau terlalu rumit untuk dibaca. Simpan lagi tabelnya saja "
    "(tanpa gambar atau lembar lain) sebagai .xlsx atau .csv, lalu unggah."
)


# What the child needs of the environment to start Python and find the project: nothing else.
_CHILD_ENV = {
    name: os.environ[name]
    for name in ("PATH", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LANG", "LC_ALL", "TMPDIR")
    if name in os.environ
}


@dataclass(frozen=True)
class Limits:
    """What reading one file may take: memory (MB of address space), CPU and wall seconds."""

    memory_mb: int = 1024
    cpu_seconds: int = 20
    wall_seconds: int = 30


def read_tables(data: bytes, max_bytes: int, limits: Limits = Limits()) -> list[Table]:
    """The worksheets of an XLSX, or the one table of a CSV, read in a child process;
    FileRefused says in words why a file cannot be read."""
    precheck(data, max_bytes)
    command = [sys.executable, "-m", "prens.intake.sandbox", str(limits.memory_mb)]
    command.append(str(limits.cpu_seconds))
    try:
        done = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=limits.wall_seconds,
            check=False,
            env=_CHILD_ENV,  # no secret of the service's (webhook, database, Google) is handed on
        )
    except subprocess.TimeoutExpired:
        log.warning("a file's reader ran out of time (%d s) and was stopped", limits.wall_seconds)
        raise FileRefused(TOO_HARD) from None
    if done.returncode != 0:
        # Its output is not logged: a reader library's message may quote the file.
        log.warning("a file's reader ended with status %d", done.returncode)
        raise FileRefused(TOO_HARD)
    try:
        answer = json.loads(done.stdout, object_hook=_decoded)
        if "refused" in answer:
            raise FileRefused(str(answer["refused"]))
        return [Table(str(t["name"]), t["rows"]) for t in answer["tables"]]
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("a file's reader answered what is not a table")
        raise FileRefused(TOO_HARD) from exc


def read_in_process(data: bytes, max_bytes: int, _limits: Limits = Limits()) -> list[Table]:
    """The same read without the child, in this process: for the benchmark that measures what
    the isolation costs. Never for a file from outside."""
    precheck(data, max_bytes)
    return parse_tables(data)


def precheck(data: bytes, max_bytes: int) -> None:
    """The checks that cost nothing, made before a child is started."""
    if not data.strip():
        raise FileRefused("Berkas kosong.")
    if len(data) > max_bytes:
        raise FileRefused(f"Berkas lebih dari {max_bytes // (1024 * 1024) or 1} MB.")
    if data.startswith(OLE):
        raise FileRefused(
            "Berkas ini format Excel lama (.xls). Simpan sebagai .xlsx atau .csv, lalu unggah."
        )
    if not data.startswith(ZIP) and not looks_like_text(data[:8192]):
        raise FileRefused("Berkas ini bukan XLSX atau CSV. Unggah berkas .xlsx atau .csv.")


# -- cells through JSON: the types calamine gives, tagged --------------------------------------


def _encoded(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"seconds": value.total_seconds()}
    raise TypeError(type(value).__name__)


def _decoded(tagged: dict[str, Any]) -> Any:
    if len(tagged) != 1:
        return tagged
    ((tag, value),) = tagged.items()
    if tag == "datetime":
        return datetime.fromisoformat(value)
    if tag == "date":
        return date.fromisoformat(value)
    if tag == "time":
        return time.fromisoformat(value)
    if tag == "seconds":
        return timedelta(seconds=value)
    return tagged


# -- the child ----------------------------------------------------------------------------------


def _child(memory_mb: int, cpu_seconds: int) -> None:
    import resource

    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no copy of the file
    data = sys.stdin.buffer.read()
    try:
        answer: dict[str, Any] = {
            "tables": [{"name": t.name, "rows": t.rows} for t in parse_tables(data)]
        }
    except FileRefused as exc:
        answer = {"refused": str(exc)}
    except MemoryError:
        answer = {"refused": TOO_HARD}
    sys.stdout.buffer.write(json.dumps(answer, default=_encoded).encode("ascii"))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _child(int(sys.argv[1]), int(sys.argv[2]))
