"""Webhook signatures: ``sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`` (contract)."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from prens.errors import ConfigError
from prens.privacy import private_dir

DEV_SECRET_FILE = "dev-webhook-secret"


def sign(secret: bytes, timestamp: int | str, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return "sha256=" + digest


def signature_ok(
    secret: bytes,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
    max_skew: int,
) -> bool:
    """Whether the headers prove `body` came from a holder of `secret`, recently."""
    # ASCII digits only: str.isdigit() also accepts "¹", which int() refuses.
    if not timestamp or not signature or not re.fullmatch(r"[0-9]{1,12}", timestamp):
        return False
    if abs(now - int(timestamp)) > max_skew:
        return False
    # Compared as bytes: compare_digest refuses a str holding non-ASCII characters (TypeError),
    # and a header is whatever the client sent.
    given = signature.strip().encode("utf-8", "surrogateescape")
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), given)


def load_secret(env: Mapping[str, str], data_dir: Path, allow_dev: bool) -> tuple[bytes, bool]:
    """The webhook secret from PRENS_WEBHOOK_SECRET or PRENS_WEBHOOK_SECRET_FILE.

    Without either, and when `allow_dev`, a random development secret is kept in the data
    directory (so the demo sender finds it); returns (secret, whether it is that dev secret).
    """
    if env.get("PRENS_WEBHOOK_SECRET"):
        return env["PRENS_WEBHOOK_SECRET"].encode(), False
    if env.get("PRENS_WEBHOOK_SECRET_FILE"):
        path = Path(env["PRENS_WEBHOOK_SECRET_FILE"])
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                "environment",
                "PRENS_WEBHOOK_SECRET_FILE",
                str(path),
                f"a readable file holding the secret ({exc.strerror})",
            ) from exc
        if not secret:
            raise ConfigError(
                "environment", "PRENS_WEBHOOK_SECRET_FILE", str(path), "a file that is not empty"
            )
        return secret.encode(), False
    if not allow_dev:
        raise ConfigError(
            "environment",
            "PRENS_WEBHOOK_SECRET",
            None,
            "the webhook secret shared with the Apps Script",
        )
    path = data_dir / DEV_SECRET_FILE
    if not path.exists():
        private_dir(data_dir)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip().encode(), True
