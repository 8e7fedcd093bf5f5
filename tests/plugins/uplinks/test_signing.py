"""Webhook signatures: HMAC over timestamp and body, replay window, the reference receiver."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from hub.uplinks.sender import backoff
from plugins.uplinks.webhook.signing import SignatureError, sign, signature_headers, verify
from plugins.uplinks.webhook.uplink import encode_body
from tests.hub.uplinks.receiver import SECRET, FaultyReceiver, load_example_receiver

KEY = SECRET.encode()
BODY = encode_body({"idempotency_key": "abc-r1", "event": "raised"})


def test_signature_round_trip() -> None:
    """A signature made by the hub verifies with the same secret."""
    headers = signature_headers(KEY, BODY, "abc-r1", now=1_800_000_000)
    assert headers["X-CampusHub-Signature"] == f"v1={sign(KEY, 1_800_000_000, BODY)}"
    assert verify(KEY, BODY, headers["X-CampusHub-Timestamp"],
                  headers["X-CampusHub-Signature"], now=1_800_000_010) == 1_800_000_000


@pytest.mark.parametrize("change", ["body", "secret", "timestamp"])
def test_tampering_refused(change: str) -> None:
    """Changing the body, the secret or the timestamp breaks the signature."""
    headers = signature_headers(KEY, BODY, "abc-r1", now=1_800_000_000)
    body = BODY.replace(b"raised", b"resolved") if change == "body" else BODY
    key = b"another-secret-000000" if change == "secret" else KEY
    stamp = "1800000001" if change == "timestamp" else headers["X-CampusHub-Timestamp"]
    with pytest.raises(SignatureError, match="no valid v1 signature"):
        verify(key, body, stamp, headers["X-CampusHub-Signature"], now=1_800_000_000)


@pytest.mark.parametrize("skew", [-301, 301])
def test_stale_or_future_timestamp_refused(skew: int) -> None:
    """A correctly signed request outside the 300 s window is refused (replay, clock skew)."""
    headers = signature_headers(KEY, BODY, "abc-r1", now=1_800_000_000)
    with pytest.raises(SignatureError, match="outside the 300 s window"):
        verify(KEY, BODY, headers["X-CampusHub-Timestamp"], headers["X-CampusHub-Signature"],
               now=1_800_000_000 + skew)


def test_rotation_accepts_any_listed_signature() -> None:
    """During a secret rotation either of two v1 values is enough."""
    old = sign(b"old-secret-0000000000", 1_800_000_000, BODY)
    new = sign(KEY, 1_800_000_000, BODY)
    assert verify(KEY, BODY, "1800000000", f"v1={old}, v1={new}", now=1_800_000_000)


def test_reference_receiver_verifier_agrees() -> None:
    """The example receiver's own verifier accepts the hub's signature and refuses a replay."""
    module = load_example_receiver()
    headers = signature_headers(KEY, BODY, "abc-r1")
    module.verify_signature(KEY, BODY, headers["X-CampusHub-Timestamp"],
                            headers["X-CampusHub-Signature"])
    with pytest.raises(module.BadSignature, match="stale"):
        module.verify_signature(KEY, BODY, headers["X-CampusHub-Timestamp"],
                                headers["X-CampusHub-Signature"], now=time.time() + 600)


async def test_receiver_refuses_replay_and_forgery(receiver: FaultyReceiver) -> None:
    """Over HTTP: a fresh request is accepted once, an old one (replay) and a forged one get 401."""
    async with aiohttp.ClientSession() as session:
        async def post(headers: dict[str, str], body: bytes = BODY) -> int:
            async with session.post(receiver.url, data=body, headers=headers) as resp:
                return resp.status

        fresh = signature_headers(KEY, BODY, "abc-r1")
        assert await post(fresh) == 200
        assert await post(fresh) == 200  # a retry of the same key: accepted, not stored twice
        assert receiver.inner.duplicates == 1 and len(receiver.messages) == 1
        old = signature_headers(KEY, BODY, "abc-r1", now=time.time() - 3600)
        assert await post(old) == 401
        forged = dict(fresh, **{"X-CampusHub-Signature": "v1=" + "0" * 64})
        assert await post(forged) == 401
        assert await post(fresh, json.dumps({"x": 1}).encode()) == 401
    assert receiver.inner.refused == 3


@pytest.mark.parametrize("failures", [1, 2, 5, 30])
def test_backoff_doubles_with_jitter_and_cap(failures: int) -> None:
    """The delay doubles per failure, stays within [half, full] of its ceiling, and is capped."""
    ceiling = min(10.0, 0.5 * 2 ** (failures - 1))
    low = backoff(failures, 0.5, 10.0, rand=lambda: 0.0)
    high = backoff(failures, 0.5, 10.0, rand=lambda: 1.0)
    assert (low, high) == (ceiling / 2, ceiling)
