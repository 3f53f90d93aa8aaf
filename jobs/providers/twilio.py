"""Twilio (SMS): POST /2010-04-01/Accounts/{Sid}/Messages.json, HTTP Basic Sid:Token, form To,
From or MessagingServiceSid, Body; 201 with sid. A 4xx carries {"code", "message"}."""

from __future__ import annotations

from collections.abc import Mapping

import requests

from jobs.providers.base import (
    PERMANENT,
    SENT,
    Outcome,
    Provider,
    ProviderError,
    json_of,
    post,
    timeout_of,
)


class Twilio(Provider):
    name = "twilio"

    def __init__(self, token: str, options: Mapping[str, str]):
        self.sid = options.get("account_sid", "")
        if not self.sid or not (options.get("from") or options.get("messaging_service_sid")):
            raise ProviderError(
                "set account_sid and from (or messaging_service_sid) in "
                "[notifications.provider_options]"
            )
        base = options.get("base_url", "https://api.twilio.com").rstrip("/")
        self.url = f"{base}/2010-04-01/Accounts/{self.sid}/Messages.json"
        self.token, self.options = token, options
        self.session = requests.Session()
        self.timeout = timeout_of(options)

    def send(self, phone_e164: str, text: str, event: str, values: Mapping[str, str]) -> Outcome:
        form = {"To": phone_e164, "Body": text}
        if self.options.get("messaging_service_sid"):
            form["MessagingServiceSid"] = self.options["messaging_service_sid"]
        else:
            form["From"] = self.options["from"]
        reply = post(self.session, self.url, self.timeout, data=form, auth=(self.sid, self.token))
        if isinstance(reply, Outcome):
            return reply
        body = json_of(reply)
        if reply.status_code in (200, 201) and body.get("sid"):
            return Outcome(SENT, reference=str(body["sid"]))
        return Outcome(
            PERMANENT,
            reason=f"{body.get('code', reply.status_code)}: {body.get('message', 'rejected')}",
        )
