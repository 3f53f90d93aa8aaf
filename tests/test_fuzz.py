"""Property: whatever a client sends, the webhook answers 200 or a 4xx, never a 5xx."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import signed_headers

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)

answers = st.dictionaries(
    st.text(max_size=80), st.text() | st.lists(st.text(), max_size=3) | json_values, max_size=12
)

bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "responseId": st.text(max_size=30) | json_values,
            "timestamp": st.text(max_size=40) | st.datetimes().map(lambda d: d.isoformat()),
            "answers": answers,
        }
    ),
    st.fixed_dictionaries(
        {
            "timestamp": st.datetimes().map(lambda d: d.isoformat()),
            "namedValues": st.dictionaries(
                st.text(max_size=80), st.lists(st.text(), max_size=3) | json_values, max_size=12
            ),
        }
    ),
)

# What an HTTP header can carry: no control characters (newlines cannot reach the app).
HEADER_TEXT = st.characters(blacklist_categories=("Cc", "Cs"))

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(body=bodies)
def test_any_signed_json_body_gets_200_or_4xx(client, body) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps(body).encode()
    reply = client.post("/webhooks/google-form", data=raw, headers=signed_headers(raw))
    # 409: a responseId the fuzzer drew twice, with other answers (an edited response).
    assert reply.status_code in (200, 400, 409, 413), reply.get_data(as_text=True)
    data = reply.get_json()
    if reply.status_code == 200:
        assert data["status"] in ("accepted", "needs_correction", "duplicate")
    else:
        assert data["message"]


@FUZZ
@given(
    raw=st.binary(max_size=2000),
    ctype=st.sampled_from(
        [
            "application/json",
            "application/json; charset=latin-1",
            "text/plain",
            "",
            "application/jsonx",
        ]
    ),
    stamp=st.text(HEADER_TEXT, max_size=15),
    sig=st.text(HEADER_TEXT, max_size=80),
)
def test_any_bytes_and_headers_get_a_4xx(
    client, raw: bytes, ctype: str, stamp: str, sig: str
) -> None:  # type: ignore[no-untyped-def]
    headers = {"Content-Type": ctype, "X-Prens-Timestamp": stamp, "X-Prens-Signature": sig}
    headers = {k: v.encode("latin-1", "replace").decode("latin-1") for k, v in headers.items()}
    reply = client.post("/webhooks/google-form", data=raw, headers=headers)
    assert 400 <= reply.status_code < 500


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_any_signed_bytes_get_200_or_4xx(client, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    reply = client.post("/webhooks/google-form", data=raw, headers=signed_headers(raw))
    assert reply.status_code in (200, 400)
