"""Fonnte (unofficial WhatsApp gateway): POST /send, header Authorization: <token>, form
target (628...) and message. Success {"status": true, "id": [...]}; failure {"status": false,
"reason": "..."} (key case varies)."""

from __future__ import annotations

from collections.abc import Mapping

import requests

from jobs.providers.base import PERMANENT, SENT, Outcome, Provider, json_of, post, timeout_of
from prens.rules.phone import whatsapp_target

# Reasons that say "try later", not "this number is wrong".
TRANSIENT = ("limit", "quota", "disconnect", "timeout", "busy")


class Fonnte(Provider):
    name = "fonnte"

    def __init__(self, token: str, options: Mapping[str, str]):
        self.token = token
        self.url = options.get("base_url", "https://api.fonnte.com").rstrip("/") + "/send"
        self.session = requests.Session()
        self.timeout = timeout_of(options)

    def send(self, phone_e164: str, text: str, event: str, values: Mapping[str, str]) -> Outcome:
        reply = post(
            self.session,
            self.url,
            self.timeout,
            headers={"Authorization": self.token},
            data={"target": whatsapp_target(phone_e164), "message": text},
        )
        if isinstance(reply, Outcome):
            return reply
        body = {str(k).lower(): v for k, v in json_of(reply).items()}
        if body.get("status") is True:
            ids = body.get("id") or [""]
            return Outcome(SENT, reference=str(ids[0] if isinstance(ids, list) else ids))
        reason = str(body.get("reason") or body.get("detail") or f"HTTP {reply.status_code}")
        if any(word in reason.lower() for word in TRANSIENT):
            return Outcome("retry", reason=reason)
        return Outcome(PERMANENT, reason=reason)
