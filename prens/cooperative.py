"""Blocking calls in a web process of `prens serve --processes N`, which runs on gevent.

Those web processes run gunicorn's gevent worker: each is one thread that switches between its
requests (greenlets) whenever one waits for the network or for another greenlet. A call that
blocks without gevent knowing (waiting for the SQLite write lock held by another process, a
download of tens of thousands of rows) would stop every request of the process while it runs.
`call_blocking` runs such a call in a native thread of gevent's pool instead, while the
calling request waits, and `off_the_loop` does so for a whole view; outside gevent's thread
both are plain calls. Only this module and the server's start-up know about gevent.
"""

from __future__ import annotations

import contextvars
import functools
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


# The native id of the thread that runs gevent's loop in this process, once declared.
_loop_thread: int | None = None


def declare_gevent_thread() -> None:
    """Declare the calling thread as the one running gevent's loop in this process. A web
    process calls it once gevent has patched it (gunicorn's gevent worker, after the fork).

    It cannot be found out instead: after gunicorn's fork, `threading.main_thread()` in the
    patched child still carries the parent's thread id, so a test against it said "not on
    gevent's thread" in every web process, and every blocking call stopped its process."""
    global _loop_thread
    _loop_thread = threading.get_native_id()
    _psycopg_waits_through_gevent()


def _psycopg_waits_through_gevent() -> None:
    """psycopg chooses how to wait for the server when it is imported: a C function, unless
    gevent has patched `select` by then, and then `select.poll`. The master of `prens serve
    --processes N` imports it before the fork, to prepare a PostgreSQL database, so its web
    processes kept the C wait, which stops every request of the process while one query waits.
    Once gevent has patched the process, choose as psycopg would have."""
    waiting: Any = sys.modules.get("psycopg.waiting")
    if waiting is not None and waiting.wait is getattr(waiting, "wait_c", None):
        waiting.wait = waiting.wait_poll


def green() -> bool:
    """Whether this is the thread running gevent's loop (a greenlet may switch): false in the
    native threads of gevent's pool, and in any process that has not declared one."""
    return _loop_thread is not None and threading.get_native_id() == _loop_thread


def new_event() -> threading.Event:
    """A new `threading.Event`, for a dataclass field's default: `threading.Event` itself, given
    as the factory, is the one the module saw when it was imported, before gevent patched the
    web process. In a patched process, the standard library's Event yields to every ready
    greenlet inside `set()` (its lock's non-blocking acquire sleeps): a group commit's leader
    waking its batch ran each woken request on before waking the next."""
    return threading.Event()


def call_blocking(fn: Callable[..., T], *args: Any, undo: Callable[[], object] | None = None) -> T:
    """`fn(*args)`; on gevent's thread, run in a native thread while other requests go on.

    If the waiting request is interrupted (a timeout, the process stopping), `fn` still runs to
    its end in its thread; `undo` is then called once it has succeeded (for a lock it took)."""
    if not green():
        return fn(*args)
    import gevent

    result = gevent.get_hub().threadpool.spawn(fn, *args)
    try:
        return result.get()  # type: ignore[no-any-return]
    except BaseException:
        if undo is not None and not result.ready():
            result.rawlink(lambda done: undo() if done.successful() else None)
        raise


def off_the_loop(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator: `fn` runs through `call_blocking`, in a copy of the caller's context (so a
    Flask view keeps its request, session and `g`): for views that work for seconds."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return call_blocking(contextvars.copy_context().run, functools.partial(fn, *args, **kwargs))

    return wrapper
