"""Zenziva (SMS): POST /reguler/api/sendsms/, form userkey, passkey, to, message; success
"status": "1"."""

from __future__ import annotations

from collections.abc import Mapping

import requests

from jobs.providers.base import PERMANENT, SENT, Outcome, Provider, json_of, post, timeout_of


class Zenziva(Provider):
    name = "zenziva"

    def __init__(self, userkey: str, passkey: str, options: Mapping[str, str]):
        base = options.get("base_url", "https://console.zenziva.net").rstrip("/")
        self.url = f"{base}/reguler/api/sendsms/"
        self.userkey, self.passkey = userkey, passkey
        self.session = requests.Session()
        self.timeout = timeout_of(options)

    def send(self, phone_e164: str, text: str, event: str, values: Mapping[str, str]) -> Outcome:
        to = "0" + phone_e164[3:] if phone_e164.startswith("+62") else phone_e164
        reply = post(
            self.session,
            self.url,
            self.timeout,
            data={"userkey": self.userkey, "passkey": self.passkey, "to": to, "message": text},
        )
        if isinstance(reply, Outcome):
            return reply
        body = json_of(reply)
        if str(body.get("status")) == "1":
            return Outcome(SENT, reference=str(body.get("messageId", "")))
        return Outcome(PERMANENT, reason=str(body.get("text") or f"HTTP {reply.status_code}"))
