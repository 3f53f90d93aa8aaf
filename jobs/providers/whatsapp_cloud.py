"""WhatsApp Cloud API (Meta): POST /v{N}/{PHONE_NUMBER_ID}/messages with a Bearer token, JSON
{"messaging_product": "whatsapp", "to": "628...", "type": "template", ...}. Outside the 24-hour
window only approved templates may be sent: each event names its template and the placeholders
that fill it (options `template_<event>` and `params_<event>`). Success has messages[0].id."""

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
from prens.rules.phone import whatsapp_target


class WhatsAppCloud(Provider):
    name = "whatsapp_cloud"

    def __init__(self, token: str, options: Mapping[str, str]):
        if not options.get("phone_number_id"):
            raise ProviderError("set [notifications.provider_options] phone_number_id")
        base = options.get("base_url", "https://graph.facebook.com").rstrip("/")
        self.url = (
            f"{base}/{options.get('api_version', 'v21.0')}/{options['phone_number_id']}/messages"
        )
        self.token, self.options = token, options
        self.session = requests.Session()
        self.timeout = timeout_of(options)

    def send(self, phone_e164: str, text: str, event: str, values: Mapping[str, str]) -> Outcome:
        template = self.options.get(f"template_{event}")
        if not template:
            return Outcome(PERMANENT, reason=f"no approved template configured for {event}")
        names = [n.strip() for n in self.options.get(f"params_{event}", "").split(",") if n.strip()]
        payload = {
            "messaging_product": "whatsapp",
            "to": whatsapp_target(phone_e164),
            "type": "template",
            "template": {
                "name": template,
                "language": {"code": self.options.get("template_language", "id")},
            },
        }
        if names:  # a template without parameters takes no body component (no empty list)
            payload["template"]["components"] = [  # type: ignore[index]
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": values.get(n, "")} for n in names],
                }
            ]
        reply = post(
            self.session,
            self.url,
            self.timeout,
            json=payload,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        if isinstance(reply, Outcome):
            return reply
        body = json_of(reply)
        messages = body.get("messages") or []
        if reply.ok and messages:
            return Outcome(SENT, reference=str(messages[0].get("id", "")))
        error = body.get("error") or {}
        return Outcome(
            PERMANENT,
            reason=f"{error.get('code', reply.status_code)}: {error.get('message', 'rejected')}",
        )
