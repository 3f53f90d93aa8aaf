"""The garbage collector in a long-running process: what start-up built is set aside.

A full collection walks every tracked object. After start-up a web process holds about 100,000
of them (Flask, SQLAlchemy's metadata, the region data, the phone number metadata), and on the
2-vCPU VM of docs/benchmarks.md a full collection of those took 120-350 ms, with the GIL held:
every request of the process stopped, and so did the other processes' writers if it came while
the process held the SQLite write lock. None of those objects is ever garbage.
"""

from __future__ import annotations

import gc


def set_aside_startup_objects() -> None:
    """Collect once, then move every object alive now to the collector's permanent generation
    (`gc.freeze`): later collections walk only what the process built since. Call it when the
    process is ready to serve, after its app and databases are open."""
    gc.collect()
    gc.freeze()
