"""Each provider against a local server that answers as the real one does; the request shapes
are the documented ones (DOMAIN.md)."""

from __future__ import annotations

import base64

import pytest

from jobs.providers import ProviderError, open_provider
from jobs.providers.base import PERMANENT, RETRY, SENT
from tests.fakes.providers import Answer, ProviderServer

PHONE = "+6281234567890"
VALUES = {"nama": "Siti", "id": "BLG-AAAAAA", "kontak": "0852", "nomor_kepesertaan": "25012345678"}


def test_fonnte_request_and_success() -> None:
    with ProviderServer(
        Answer(200, {"status": True, "id": ["8000123"], "detail": "success"})
    ) as srv:
        provider = open_provider(
            "fonnte",
            {"base_url": srv.url},
            None,  # type: ignore[arg-type]
            {"PRENS_FONNTE_TOKEN": "tok-123"},
        )
        outcome = provider.send(PHONE, "Halo Siti", "TERVERIFIKASI", VALUES)
    assert (outcome.kind, outcome.reference) == (SENT, "8000123")
    req = srv.seen[0]
    assert req.path == "/send" and req.headers["Authorization"] == "tok-123"
    assert req.form() == {"target": "6281234567890", "message": "Halo Siti"}


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Answer(200, {"Status": False, "Reason": "invalid target"}), PERMANENT),  # key case varies
        (Answer(200, {"status": False, "reason": "target not registered on whatsapp"}), PERMANENT),
        (Answer(200, {"status": False, "reason": "request limit reached"}), RETRY),
        (Answer(429, {"reason": "too many"}, {"Retry-After": "17"}), RETRY),
        (Answer(500, {}), RETRY),
        (Answer(503, {}), RETRY),
    ],
)
def test_fonnte_failures(answer: Answer, kind: str) -> None:
    with ProviderServer(answer) as srv:
        provider = open_provider(
            "fonnte",
            {"base_url": srv.url},
            None,  # type: ignore[arg-type]
            {"PRENS_FONNTE_TOKEN": "t"},
        )
        outcome = provider.send(PHONE, "x", "TERVERIFIKASI", VALUES)
    assert outcome.kind == kind and outcome.reason
    if answer.status == 429:
        assert outcome.retry_after == 17


def test_network_failure_is_retried_later() -> None:
    provider = open_provider(
        "fonnte",
        {"base_url": "http://127.0.0.1:9"},
        None,  # type: ignore[arg-type]
        {"PRENS_FONNTE_TOKEN": "t"},
    )
    assert provider.send(PHONE, "x", "TERVERIFIKASI", VALUES).kind == RETRY


def test_whatsapp_cloud_template_message() -> None:
    ok = Answer(
        200,
        {
            "messaging_product": "whatsapp",
            "contacts": [{"wa_id": "6281234567890"}],
            "messages": [{"id": "wamid.HBgLNjI4"}],
        },
    )
    options = {
        "base_url": "",
        "phone_number_id": "1098765",
        "api_version": "v21.0",
        "template_TERDAFTAR": "prens_terdaftar",
        "params_TERDAFTAR": "nama,nomor_kepesertaan",
    }
    with ProviderServer(ok) as srv:
        options["base_url"] = srv.url
        provider = open_provider(
            "whatsapp_cloud",
            options,
            None,  # type: ignore[arg-type]
            {"PRENS_WHATSAPP_TOKEN": "EAAG"},
        )
        outcome = provider.send(
            PHONE, "ignored: templates are approved by Meta", "TERDAFTAR", VALUES
        )
    assert (outcome.kind, outcome.reference) == (SENT, "wamid.HBgLNjI4")
    req = srv.seen[0]
    assert req.path == "/v21.0/1098765/messages" and req.headers["Authorization"] == "Bearer EAAG"
    assert req.json() == {
        "messaging_product": "whatsapp",
        "to": "6281234567890",
        "type": "template",
        "template": {
            "name": "prens_terdaftar",
            "language": {"code": "id"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Siti"},
                        {"type": "text", "text": "25012345678"},
                    ],
                }
            ],
        },
    }


def test_whatsapp_cloud_refusal_and_missing_template() -> None:
    refused = Answer(
        400,
        {
            "error": {
                "message": "(#131030) Recipient phone number not in allowed list",
                "type": "OAuthException",
                "code": 131030,
            }
        },
    )
    with ProviderServer(refused) as srv:
        provider = open_provider(
            "whatsapp_cloud",
            {"base_url": srv.url, "phone_number_id": "1", "template_DITOLAK": "t"},
            None,  # type: ignore[arg-type]
            {"PRENS_WHATSAPP_TOKEN": "x"},
        )
        outcome = provider.send(PHONE, "x", "DITOLAK", VALUES)
        assert outcome.kind == PERMANENT and "131030" in outcome.reason
        assert provider.send(PHONE, "x", "TERVERIFIKASI", VALUES).kind == PERMANENT
    assert len(srv.seen) == 1  # no template: nothing was sent


def test_twilio_sms() -> None:
    created = Answer(201, {"sid": "SM0123456789abcdef", "status": "queued"})
    with ProviderServer(created) as srv:
        provider = open_provider(
            "twilio",
            {"base_url": srv.url, "account_sid": "AC123", "from": "+15005550006"},
            None,  # type: ignore[arg-type]
            {"PRENS_TWILIO_AUTH_TOKEN": "secret"},
        )
        outcome = provider.send(PHONE, "Halo", "TERVERIFIKASI", VALUES)
    assert (outcome.kind, outcome.reference) == (SENT, "SM0123456789abcdef")
    req = srv.seen[0]
    assert req.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert req.headers["Authorization"] == "Basic " + base64.b64encode(b"AC123:secret").decode()
    assert req.form() == {"To": PHONE, "From": "+15005550006", "Body": "Halo"}


def test_twilio_invalid_number_is_permanent() -> None:
    invalid = Answer(
        400,
        {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400},
    )
    with ProviderServer(invalid) as srv:
        provider = open_provider(
            "twilio",
            {"base_url": srv.url, "account_sid": "AC1", "messaging_service_sid": "MG1"},
            None,  # type: ignore[arg-type]
            {"PRENS_TWILIO_AUTH_TOKEN": "s"},
        )
        outcome = provider.send(PHONE, "x", "TERVERIFIKASI", VALUES)
    assert outcome.kind == PERMANENT and "21211" in outcome.reason
    assert srv.seen[0].form()["MessagingServiceSid"] == "MG1"


def test_zenziva_sms() -> None:
    with ProviderServer(
        Answer(200, {"messageId": "77", "to": "081234567890", "status": "1", "text": "Success"})
    ) as srv:
        provider = open_provider(
            "zenziva",
            {"base_url": srv.url},
            None,  # type: ignore[arg-type]
            {"PRENS_ZENZIVA_USERKEY": "u", "PRENS_ZENZIVA_PASSKEY": "p"},
        )
        outcome = provider.send(PHONE, "Halo", "TERVERIFIKASI", VALUES)
        srv.queue.append(Answer(200, {"status": "0", "text": "Nomor tujuan tidak valid"}))
        refused = provider.send(PHONE, "Halo", "TERVERIFIKASI", VALUES)
    assert (outcome.kind, outcome.reference) == (SENT, "77")
    assert srv.seen[0].path == "/reguler/api/sendsms/"
    assert srv.seen[0].form() == {
        "userkey": "u",
        "passkey": "p",
        "to": "081234567890",
        "message": "Halo",
    }
    assert refused.kind == PERMANENT and "tidak valid" in refused.reason


@pytest.mark.parametrize(
    ("name", "env", "message"),
    [
        ("fonnte", {}, "PRENS_FONNTE_TOKEN"),
        ("twilio", {"PRENS_TWILIO_AUTH_TOKEN": "x"}, "account_sid"),
        ("whatsapp_cloud", {"PRENS_WHATSAPP_TOKEN": "x"}, "phone_number_id"),
    ],
)
def test_a_provider_that_cannot_work_says_why(name: str, env: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ProviderError, match=message):
        open_provider(name, {}, None, env)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["fonnte", "whatsapp_cloud", "twilio", "zenziva"])
def test_a_provider_that_does_not_answer_in_time_is_retried_later(name: str) -> None:
    env = {
        "PRENS_FONNTE_TOKEN": "t",
        "PRENS_WHATSAPP_TOKEN": "t",
        "PRENS_TWILIO_AUTH_TOKEN": "t",
        "PRENS_ZENZIVA_USERKEY": "u",
        "PRENS_ZENZIVA_PASSKEY": "p",
    }
    with ProviderServer(Answer(200, {"status": True}, delay=1.0)) as srv:
        options = {
            "base_url": srv.url,
            "timeout_seconds": "0.2",
            "phone_number_id": "1",
            "template_TERVERIFIKASI": "t",
            "account_sid": "AC1",
            "from": "+1500",
        }
        outcome = open_provider(name, options, None, env).send(  # type: ignore[arg-type]
            PHONE, "x", "TERVERIFIKASI", VALUES
        )
    assert outcome.kind == RETRY and "Timeout" in outcome.reason


def test_whatsapp_cloud_template_without_parameters_sends_no_empty_list() -> None:
    ok = Answer(200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.X"}]})
    options = {"phone_number_id": "1098765", "template_DITOLAK": "prens_ditolak"}
    with ProviderServer(ok) as srv:
        options["base_url"] = srv.url
        provider = open_provider(
            "whatsapp_cloud",
            options,
            None,
            {"PRENS_WHATSAPP_TOKEN": "EAAG"},  # type: ignore[arg-type]
        )
        assert provider.send(PHONE, "", "DITOLAK", VALUES).kind == SENT
    assert srv.seen[0].json()["template"] == {
        "name": "prens_ditolak",
        "language": {"code": "id"},
    }
