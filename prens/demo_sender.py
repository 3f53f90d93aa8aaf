"""`prens demo send`: post invented, signed submissions to a running service."""

from __future__ import annotations

import collections
import os
import random
import time
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

import requests

from prens.config import Settings
from prens.demo import mixed_batch, signed_request
from prens.errors import PrensError
from prens.intake.signing import load_secret
from prens.rules.registration import RECEIVED_WORDS

WEBHOOK_PATH = "/webhooks/google-form"


def webhook_url(url: str) -> str:
    """The webhook of the service at `url`: a bare address (`http://host:port`) gets the
    webhook's path; any other path is taken as given."""
    return url.rstrip("/") + WEBHOOK_PATH if urlsplit(url).path in ("", "/") else url


def send_demo(
    settings: Settings, url: str, count: int, seed: int | None, echo: Callable[[str], None] = print
) -> str:
    """Send `count` submissions; return a one-line summary of the statuses received."""
    url = webhook_url(url)
    secret, _ = load_secret(os.environ, settings.data_dir, allow_dev=True)
    rng = random.Random(seed)
    today = datetime.now(settings.timezone).date()
    statuses: collections.Counter[str] = collections.Counter()
    with requests.Session() as session:
        for i, payload in enumerate(mixed_batch(settings, rng, today, count), start=1):
            raw, headers = signed_request(secret, payload, int(time.time()))
            try:
                reply = session.post(url, data=raw, headers=headers, timeout=30)
            except requests.ConnectionError as exc:
                raise PrensError(
                    f"Tidak ada layanan yang menjawab di {url}. Jalankan `prens serve` dulu, "
                    "atau beri alamatnya dengan --url."
                ) from exc
            except requests.RequestException as exc:
                raise PrensError(f"{url} tidak dapat dihubungi: {type(exc).__name__}") from exc
            if reply.status_code != 200:
                raise PrensError(f"{url} answered {reply.status_code}: {reply.text[:200]}")
            answer = reply.json()
            status = RECEIVED_WORDS.get(answer["status"], answer["status"])
            statuses[status] += 1
            codes = ",".join(p["code"] for p in answer["problems"]) or "-"
            echo(f"[{i}/{count}] {answer['id']} {status.replace(' ', '_')} {codes}")
    said = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    return f"terkirim {count}: {said}"
