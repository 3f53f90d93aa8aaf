"""Debian's nginx started by a test, in front of the real `prens serve`, with the repository's
site configuration (deploy/nginx/prens.conf) changed only where a test must: its ports, its
self-signed certificate and the upstream's port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.serving import ROOT, free_port

SITE = ROOT / "deploy" / "nginx" / "prens.conf"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
)


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def site_for_test(upstream: int, https: int, http: int, cert: Path, key: Path) -> str:
    """The shipped site, each line a test must change changed (and each found exactly once, so
    that the file and this test cannot drift apart unnoticed)."""
    text = SITE.read_text(encoding="utf-8")
    changes = {
        "server 127.0.0.1:8080;": f"server 127.0.0.1:{upstream};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "/etc/letsencrypt/live/prens.example.go.id/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/prens.example.go.id/privkey.pem": str(key),
    }
    for old, new in changes.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


class Nginx:
    """nginx in the foreground, its files in `directory`, proxying to 127.0.0.1:`upstream`."""

    def __init__(self, directory: Path, upstream: int):
        assert NGINX is not None
        self.directory = directory
        self.https_port, self.http_port = free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.cert, key = certificate(directory)
        (directory / "site.conf").write_text(
            site_for_test(upstream, self.https_port, self.http_port, self.cert, key),
            encoding="utf-8",
        )
        d = directory
        temp = "".join(
            f"    {kind}_temp_path {d}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # As root, nginx's workers would run as nobody, who cannot enter the test's directory.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (directory / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n    access_log {d}/access.log;\n{temp}    include {d}/site.conf;\n}}\n",
            encoding="utf-8",
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Nginx:
        conf = self.directory / "nginx.conf"
        check = subprocess.run(
            [NGINX, "-t", "-c", str(conf), "-p", str(self.directory)],  # type: ignore[list-item]
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(self.directory), "-g", "daemon off;"],  # type: ignore[list-item]
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return self
            except OSError:
                assert self.proc.poll() is None, self.errors()
                time.sleep(0.05)
        raise RuntimeError("nginx did not listen:\n" + self.errors())

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def errors(self) -> str:
        log = self.directory / "error.log"
        return log.read_text() if log.exists() else ""
