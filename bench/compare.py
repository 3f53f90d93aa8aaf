"""Same-run A/B of prens revisions under the intake benchmark's load.

    python bench/compare.py REV [REV ...] [--rounds 6] [--seconds 5] [--c 16]
                            [--threads 16]

Each REV is a git revision (HEAD~1, a commit, a branch) or `.` for the working tree. Every round
serves each revision in turn (`prens serve`, fresh data directory, the order alternating from one
round to the next) under the same wrk load as bench/intake.py, and prints its throughput and
p50/p99. The end gives the medians, and each revision's median ratio to the first one, taken
round by round. A VM's speed drifts by 10-20% from one minute to the next, so comparisons made in
separate runs cannot show differences of that size; this one can, given enough rounds.

Revisions other than `.` are checked out with `git worktree add` in a temporary directory and
removed at the end. They are served with this checkout's Python environment, so a revision
that needs other dependencies cannot be compared this way. wrk is needed (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake  # noqa: E402  (bench/intake.py: the servers and the load)

from prens.config import load_settings  # noqa: E402
from prens.demo import mixed_batch  # noqa: E402


def checkouts(revisions: list[str], tmp: Path) -> list[Path]:
    """A directory holding each revision's code."""
    roots = []
    for i, rev in enumerate(revisions):
        if rev == ".":
            roots.append(intake.ROOT)
            continue
        path = tmp / f"rev{i}"
        subprocess.run(
            ["git", "-C", str(intake.ROOT), "worktree", "add", "--detach", "-q", str(path), rev],
            check=True,
        )
        roots.append(path)
    return roots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs="+", help="git revisions, or . for the working tree")
    parser.add_argument("--rounds", type=int, default=6, help="rounds (medians are reported)")
    parser.add_argument("--seconds", type=int, default=5, help="wrk run length per revision")
    parser.add_argument("--c", type=int, default=16, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=16, help="request threads per process")
    parser.add_argument("--pool", type=int, default=30000, help="pre-signed requests per round")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    settings = load_settings(intake.ROOT / "config" / "balangan.toml")
    today = datetime.now(settings.timezone).date()
    tmp = Path(tempfile.mkdtemp(prefix="prens-compare-"))
    roots = checkouts(args.revisions, tmp)
    results: list[list[dict[str, float]]] = [[] for _ in roots]
    print(
        f"# {len(roots)} revisions, c={args.c} rounds={args.rounds} seconds={args.seconds} "
        f"threads={args.threads}"
    )
    try:
        for r in range(args.rounds):
            bodies = [
                json.dumps({**b, "responseId": f"c{r}-{i}"}, ensure_ascii=False).encode()
                for i, b in enumerate(mixed_batch(settings, random.Random(r), today, args.pool))
            ]
            order = list(range(len(roots)))
            if r % 2:
                order.reverse()
            for i in order:
                workdir = Path(tempfile.mkdtemp(prefix="bench-compare-", dir=tmp))
                procs, port, _ = intake.start_prens(workdir, 5, args.threads, root=roots[i])
                try:
                    intake.load(port, bodies[:50], min(args.c, 4))  # warm-up, not counted
                    figures = intake.load_wrk(port, bodies[50:], args.c, workdir, args.seconds)
                finally:
                    for proc in procs:
                        proc.terminate()
                        proc.wait(timeout=30)
                    shutil.rmtree(workdir, ignore_errors=True)
                results[i].append(figures)
                print(
                    f"round {r + 1} {args.revisions[i]:>12}: {figures['rps']:7.1f} req/s  "
                    f"p50 {figures['p50']:6.1f} ms  p99 {figures['p99']:6.1f} ms  "
                    f"failures {figures['failures']:.0f}",
                    flush=True,
                )
    finally:
        for root in roots:
            if root != intake.ROOT:
                subprocess.run(
                    ["git", "-C", str(intake.ROOT), "worktree", "remove", "--force", str(root)],
                    check=False,
                )
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    for i, rev in enumerate(args.revisions):
        med = {k: statistics.median(f[k] for f in results[i]) for k in ("rps", "p50", "p99")}
        ratio = statistics.median(
            f["rps"] / base["rps"] for f, base in zip(results[i], results[0], strict=True)
        )
        print(
            f"median {rev:>12}: {med['rps']:7.1f} req/s  p50 {med['p50']:6.1f} ms  "
            f"p99 {med['p99']:6.1f} ms  throughput / {args.revisions[0]}: {ratio:.2f}"
        )
    print(
        f"rerun: python bench/compare.py {' '.join(args.revisions)} --rounds {args.rounds} "
        f"--seconds {args.seconds} --c {args.c} "
        f"--threads {args.threads}"
    )


if __name__ == "__main__":
    main()
