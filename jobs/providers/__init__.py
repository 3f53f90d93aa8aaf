"""Notification providers behind one small interface; chosen by `[notifications] provider`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from jobs.providers.base import Outcome, Provider, ProviderError
from jobs.providers.fonnte import Fonnte
from jobs.providers.log import LogProvider
from jobs.providers.twilio import Twilio
from jobs.providers.whatsapp_cloud import WhatsAppCloud
from jobs.providers.zenziva import Zenziva


def open_provider(
    name: str, options: Mapping[str, str], data_dir: Path, env: Mapping[str, str] | None = None
) -> Provider:
    """The provider `name`, with its options and its secrets from the environment."""
    env = os.environ if env is None else env
    if name == "log":
        return LogProvider(data_dir / "notifications.jsonl")
    if name == "fonnte":
        return Fonnte(_secret(env, "PRENS_FONNTE_TOKEN"), options)
    if name == "whatsapp_cloud":
        return WhatsAppCloud(_secret(env, "PRENS_WHATSAPP_TOKEN"), options)
    if name == "twilio":
        return Twilio(_secret(env, "PRENS_TWILIO_AUTH_TOKEN"), options)
    if name == "zenziva":
        return Zenziva(
            _secret(env, "PRENS_ZENZIVA_USERKEY"), _secret(env, "PRENS_ZENZIVA_PASSKEY"), options
        )
    raise ProviderError(f"unknown notification provider {name!r}")


def _secret(env: Mapping[str, str], name: str) -> str:
    if not env.get(name):
        raise ProviderError(f"set {name} in the environment for this notification provider")
    return env[name]


__all__ = ["Outcome", "Provider", "ProviderError", "open_provider"]
