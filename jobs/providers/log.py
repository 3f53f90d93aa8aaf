"""The embedded default: each message as a JSON line in the data directory, nothing sent."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from jobs.providers.base import SENT, Outcome, Provider
from prens.privacy import private_dir, private_file

log = logging.getLogger(__name__)


class LogProvider(Provider):
    name = "log"

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def send(self, phone_e164: str, text: str, event: str, values: Mapping[str, str]) -> Outcome:
        reference = "log-" + uuid.uuid4().hex[:12]
        line = json.dumps(
            {
                "at": datetime.now(UTC).isoformat(),
                "to": phone_e164,
                "event": event,
                "id": values.get("id", ""),
                "text": text,
                "reference": reference,
            },
            ensure_ascii=False,
        )
        with self._lock:
            private_file(private_dir(self.path.parent) / self.path.name)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        # The log names the registration, never the phone number nor what the citizen typed.
        log.info("message %s for %s (%s) written", reference, values.get("id", ""), event)
        return Outcome(SENT, reference=reference)
