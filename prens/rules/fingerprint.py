"""The key a response has on both roads into the ledger: the webhook and the responses sheet.

The form's linked responses sheet has no responseId, and it turns answers that look like numbers
into numbers (a phone loses its leading zero, a 16-digit NIK keeps 15 significant digits). What
survives on both sides is the moment the form stamped the response, to the second, and the
answers typed as text. The fingerprint is that second (UTC) and a hash of the name as typed
(spacing and case ignored). The sheet may show the second rounded where the Apps Script sends
milliseconds, so two fingerprints one second apart with the same name are the same response.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime

# Two fingerprints at most this many seconds apart, with the same name hash, match.
TOLERANCE_SECONDS = 1


@dataclass(frozen=True)
class Fingerprint:
    second: int  # Unix time, floored to the second
    name_hash: str

    def matches(self, other: Fingerprint) -> bool:
        return (
            self.name_hash == other.name_hash
            and abs(self.second - other.second) <= TOLERANCE_SECONDS
        )

    def text(self) -> str:
        return f"{self.second}:{self.name_hash}"


def name_key(name: str) -> str:
    """The name as the fingerprint sees it: spacing collapsed, case folded."""
    return " ".join(name.split()).casefold()


def fingerprint(submitted_at: datetime, name: str) -> Fingerprint:
    """The fingerprint of a response stamped `submitted_at` (aware) whose name answer is `name`."""
    digest = hashlib.sha256(name_key(name).encode("utf-8")).hexdigest()[:24]
    return Fingerprint(math.floor(submitted_at.timestamp()), digest)
