"""What a provider does: send one text to one phone, and say how it went.

ProviderError (PrensError)   a provider that cannot be used (missing token, bad option)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from prens.errors import PrensError

SENT, RETRY, PERMANENT = "sent", "retry", "permanent"
TIMEOUT = (10, 30)


class ProviderError(PrensError):
    """A provider that cannot be used as configured."""


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent, retry (later), permanent (failed: do not retry)
    reference: str = ""  # the provider's message id
    reason: str = ""  # the provider's words, for the operator
    retry_after: float | None = None


class Provider(ABC):
    name = "provider"

    @abstractmethod
    def send(self, phone_e164: str, text: str, event: str, values: Mapping[str, str]) -> Outcome:
        """Send one message; never raise for what the provider or the network answers."""


def timeout_of(options: Mapping[str, str]) -> tuple[float, float]:
    """Connect and read timeouts: `timeout_seconds` in the provider's options (default 30)."""
    seconds = float(options.get("timeout_seconds", TIMEOUT[1]))
    return (min(TIMEOUT[0], seconds), seconds)


def post(
    session: requests.Session, url: str, timeout: tuple[float, float] = TIMEOUT, **kwargs
) -> requests.Response | Outcome:  # type: ignore[no-untyped-def]
    """POST, or the Outcome for a network failure or a 429/5xx (retry later)."""
    try:
        reply = session.post(url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        return Outcome(RETRY, reason=f"network: {type(exc).__name__}")
    if reply.status_code == 429 or reply.status_code >= 500:
        after = reply.headers.get("Retry-After", "")
        return Outcome(
            RETRY,
            reason=f"HTTP {reply.status_code}",
            retry_after=float(after) if after.strip().isdigit() else None,
        )
    return reply


def json_of(reply: requests.Response) -> dict:  # type: ignore[type-arg]
    try:
        data = reply.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
