"""Personal numbers kept out of message texts and logs, and personal files kept private.

`redact` hides what looks like a NIK, KK or phone number wherever someone typed it (a NIK in the
name field, a phone number in a rejection reason): runs of 12 or more digits, and Indonesian
mobile numbers. The log filter applies it to every line, whatever a module logged.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from pathlib import Path

HIDDEN = "[disembunyikan]"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Digits that may be split by separators as people type them: up to three of spaces, dots,
# slashes, dashes and brackets between any two digits ("6311 0645/0790-0001", "(0812) 3456").
# A date with a time written beside it may be hidden too: a number shown is worse.
_SEP = r"[\s./\-()]{0,3}"
_LONG_NUMBER = re.compile(r"(?<![\d+])\+?\d(?:" + _SEP + r"\d){11,}(?!\d)")
_MOBILE = re.compile(r"(?<![\d+])\(?(?:\+?62|0)" + _SEP + r"8(?:" + _SEP + r"\d){7,11}(?!\d)")


def redact(text: str) -> str:
    """`text` with every run of 12+ digits and every mobile number replaced by a marker."""
    return _LONG_NUMBER.sub(HIDDEN, _MOBILE.sub(HIDDEN, text))


class RedactingFilter(logging.Filter):
    """Redacts each record's message once formatted, and its traceback and stack: no log line
    carries a personal number, not even an exception's text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Formatted here as the handler's formatter would (it uses `exc_text` when set).
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_TRACEBACKS = logging.Formatter()


def redact_logs(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (the root logger by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def configure_logging(level: int = logging.INFO) -> None:
    """Every process's log lines (`prens` commands, gunicorn's web workers): to standard error
    in one format, each through the redacting filter. A root logger the host configured already
    (gunicorn's --log-config) keeps its handlers, and gets the filter."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    redact_logs()


def private_dir(path: Path) -> Path:
    """Create `path` readable by its owner only, unless it exists (an operator's own choice)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process created it first
            path.mkdir(mode=0o700)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty, readable by its owner only, unless it exists; tighten it if so."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path
