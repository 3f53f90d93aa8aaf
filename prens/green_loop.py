"""The event loop of the gevent web processes (`prens serve --processes N`).

gevent's libev loop, polling the network sooner. gevent runs the callbacks queued for its hub (a
greenlet woken by another: the callers of a group commit, the next leader) one after the other,
and looks at the clock only every 50 callbacks to break off and read the sockets that have
become readable. Here one such callback can run a whole batch commit, so 50 of them left
requests that had arrived unread for tens of milliseconds: a p99 of 95 ms against 46 ms with
the clock looked at after every callback, in the same run (docs/benchmarks.md). The run still
goes on until gevent's switch interval (5 ms) is over.

Chosen with gevent's own setting, `gevent.config.loop`, which takes an importable loop class.
"""

from __future__ import annotations

from gevent.libev.corecffi import loop as _libev_loop


class Loop(_libev_loop):  # type: ignore[misc]
    CALLBACK_CHECK_COUNT = 1


NAME = f"{Loop.__module__}.{Loop.__qualname__}"  # for gevent.config.loop
