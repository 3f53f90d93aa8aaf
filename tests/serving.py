"""Start the real `prens serve` on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from prens.config import Settings, load_settings
from prens.demo import signed_request

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """`prens --config CONFIG serve` in a child process; stopped with SIGTERM."""

    def __init__(
        self,
        config: Path,
        secret: str,
        extra_env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
    ):
        self.args = args  # more options for `serve`
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = config
        self.env = {**os.environ, "PRENS_WEBHOOK_SECRET": secret, **(extra_env or {})}
        self.log = config.parent / f"serve-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._logfile = None

    def start(self) -> Served:
        self._logfile = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prens",
                "--config",
                str(self.config),
                "serve",
                "--port",
                str(self.port),
                *self.args,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._logfile,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._logfile.close()
                raise RuntimeError("prens serve exited:\n" + self.log.read_text())
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("prens serve did not answer /healthz:\n" + self.log.read_text())

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return -9
        finally:
            if self._logfile:
                self._logfile.close()

    def kill(self) -> None:
        """SIGKILL: the process dies at whatever instruction it was running."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        if self._logfile:
            self._logfile.close()

    def output(self) -> str:
        return self.log.read_text()

    def submit(self, payload: dict, timeout: float = 30) -> requests.Response:  # type: ignore[type-arg]
        """Post `payload` to the webhook, signed with the service's secret, as Code.gs does."""
        secret = self.env["PRENS_WEBHOOK_SECRET"].encode()
        raw, headers = signed_request(secret, payload, int(time.time()))
        return requests.post(
            self.url + "/webhooks/google-form", data=raw, headers=headers, timeout=timeout
        )

    def __enter__(self) -> Served:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.stop()


@contextmanager
def deployment(directory: Path, secret: str) -> Iterator[tuple[Served, Settings]]:
    """The Balangan configuration in `directory`, served, with the scheduler's flush held off
    (tests run the flush job themselves)."""
    from tests.conftest import write_config

    config = write_config(directory, {"flush_seconds = 5": "flush_seconds = 3600"})
    with Served(config, secret) as served:
        yield served, load_settings(config)


def prens(
    config: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `prens` command in a child process, as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "prens", "--config", str(config), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
