"""The webhook uplink end to end: a real hub, the reference receiver on 127.0.0.1."""

from __future__ import annotations

import itertools
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import trustme

from hub import Context, Incident
from hub.exceptions import ServiceValidationError
from hub.incidents import TimelineStep
from hub.testing import wait_for
from hub.uplinks.const import ACTION_DEAD, ACTION_DELIVERED, ACTION_FAILED, ACTION_REQUEUED
from plugins.uplinks.webhook.uplink import encode_body
from tests.hub.uplinks.receiver import FaultyReceiver, start_receiver, webhook_yaml

HubFactory = Callable[..., Any]


def _steps(incident: Incident, action: str) -> list[TimelineStep]:
    return [s for s in incident.timeline if s.action == action]


async def test_panic_forwarded_signed_with_links(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """A panic incident reaches the police webhook signed, with site, priority and links."""
    h = await hub_factory(webhook_yaml(receiver.url))
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1",
                                                    gate="north", cameras=["camera.gate"])
    await wait_for(lambda: receiver.messages)
    message = receiver.messages[0]
    assert receiver.inner.refused == 0
    assert message["event"] == "raised" and message["idempotency_key"] == f"{incident.id}-r1"
    assert message["site"]["id"] == "north_school"
    body = message["incident"]
    assert (body["category"], body["priority"], body["gate"]) == ("panic", 1, "north")
    assert body["device"]["entity_id"] == "alarm.panic_1"
    assert body["instructions"] == "Send officers to the gate at once."
    assert message["live_view"]["url"].startswith("https://hub.example.org/api/police/live/")
    assert message["live_view"]["camera"] == "camera.gate"
    await wait_for(lambda: _steps(incident, ACTION_DELIVERED))
    step = _steps(incident, ACTION_DELIVERED)[0]
    assert step.data["uplink"] == "city_police" and step.note == "HTTP 200"


async def test_updates_follow_in_revision_order(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """Acknowledged and resolved follow the raised message, in order, each with its own key."""
    h = await hub_factory(webhook_yaml(receiver.url))
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.p")
    guard = Context(user_id="guard-anna")
    await h.hub.services.call("incident", "acknowledge", {"incident_id": incident.id}, guard)
    await h.hub.services.call("incident", "resolve", {"incident_id": incident.id}, guard)
    await wait_for(lambda: len(receiver.messages) == 3)
    events = [(m["event"], m["incident"]["status"]) for m in receiver.messages]
    assert events == [("raised", "raised"), ("acknowledged", "acknowledged"),
                      ("resolved", "resolved")]
    revisions = [m["revision"] for m in receiver.messages]
    assert revisions == sorted(revisions) and len(set(revisions)) == 3
    assert receiver.messages[1]["step"]["actor"] == "guard-anna"


async def test_categories_not_forwarded_by_default(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """An intrusion is not forwarded until uplinks.forward asks; later updates follow it."""
    h = await hub_factory(webhook_yaml(receiver.url))
    incident = await h.hub.incidents.raise_incident("intrusion", source="alarm.fence")
    panic = await h.hub.incidents.raise_incident("panic", source="alarm.p")
    await wait_for(lambda: receiver.messages)
    assert [m["incident"]["id"] for m in receiver.messages] == [panic.id]
    await h.hub.services.call("uplinks", "forward", {"incident_id": incident.id})
    await h.hub.services.call("incident", "resolve", {"incident_id": incident.id})
    await wait_for(lambda: len(receiver.messages) == 3)
    assert [m["event"] for m in receiver.messages[1:]] == ["forward", "resolved"]


async def test_destination_filters(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """categories and min_priority choose what an uplink gets."""
    h = await hub_factory(webhook_yaml(receiver.url, categories="[intrusion, tamper]",
                                       min_priority="high"))
    await h.hub.incidents.raise_incident("panic", source="a")
    await h.hub.incidents.raise_incident("tamper", source="b", priority="medium")
    wanted = await h.hub.incidents.raise_incident("intrusion", source="c")
    await wait_for(lambda: receiver.messages)
    await h.hub.incidents.raise_incident("visitor", source="d")
    assert [m["incident"]["id"] for m in receiver.messages] == [wanted.id]


async def test_500_retried_with_growing_backoff(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """Three 500 answers are retried with growing delays, each failure on the timeline."""
    receiver.statuses = [500, 500, 500]
    h = await hub_factory(webhook_yaml(receiver.url))
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.p")
    await wait_for(lambda: receiver.messages, timeout=10)
    arrivals = receiver.arrivals
    assert [a.status for a in arrivals] == [500, 500, 500, 200]
    assert [a.attempt for a in arrivals] == [1, 2, 3, 4]
    assert len({a.key for a in arrivals}) == 1
    gaps = [b.at - a.at for a, b in itertools.pairwise(arrivals)]
    # initial 0.05 s doubling with equal jitter: gap n is in [0.025 * 2^n, 0.05 * 2^n]
    for n, gap in enumerate(gaps):
        assert 0.025 * 2**n * 0.9 <= gap <= 0.05 * 2**n + 0.15, gaps
    assert gaps[2] > gaps[0]
    await wait_for(lambda: _steps(incident, ACTION_DELIVERED))
    failed = _steps(incident, ACTION_FAILED)
    assert [s.note for s in failed] == ["HTTP 500"] * 3
    assert [s.data["attempt"] for s in failed] == [1, 2, 3]


async def test_slow_receiver_times_out_and_is_retried(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """A receiver slower than the timeout counts as a failure; the retry delivers it."""
    receiver.delay = 0.6
    h = await hub_factory(webhook_yaml(receiver.url, timeout=0.2))
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.p")
    await wait_for(lambda: _steps(incident, ACTION_FAILED), timeout=5)
    assert "no answer within 0.2 s" in _steps(incident, ACTION_FAILED)[0].note
    receiver.delay = 0
    await wait_for(lambda: _steps(incident, ACTION_DELIVERED), timeout=5)
    # the slow first request may also have been stored: at least once, keys de-duplicated
    assert receiver.inner.keys == {f"{incident.id}-r1"}


async def test_client_error_is_dead_letter_and_requeue(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """A 400 is not retried: a dead letter, listed, and delivered after uplinks.requeue."""
    receiver.statuses = [400]
    h = await hub_factory(webhook_yaml(receiver.url))
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.p")
    await wait_for(lambda: _steps(incident, ACTION_DEAD))
    forwarder = h.hub.components["uplinks"]
    dead = await forwarder.queue.dead_letters(None, 10)
    assert [(d.incident_id, d.status, d.attempts, d.last_error) for d in dead] == [
        (incident.id, "dead", 1, "HTTP 400")]
    assert h.of_type("uplink_item_dead_lettered")[0].data["detail"] == "HTTP 400"
    result = await h.hub.services.call("uplinks", "requeue", {"outbox_id": dead[0].id})
    assert result == {"requeued": [dead[0].id]}
    await wait_for(lambda: _steps(incident, ACTION_DELIVERED))
    assert await forwarder.queue.dead_letters(None, 10) == []
    assert [s.action for s in incident.timeline][-2:] == [ACTION_REQUEUED, ACTION_DELIVERED]


async def test_dead_after_max_attempts(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """After max_attempts failures the message becomes a dead letter; the next one goes on."""
    receiver.statuses = [503] * 5
    h = await hub_factory(webhook_yaml(receiver.url))
    first = await h.hub.incidents.raise_incident("panic", source="a")
    await wait_for(lambda: _steps(first, ACTION_DEAD), timeout=10)
    assert len(_steps(first, ACTION_FAILED)) == 4
    second = await h.hub.incidents.raise_incident("panic", source="b")
    await wait_for(lambda: receiver.messages)
    assert receiver.messages[0]["incident"]["id"] == second.id


async def test_keep_alive_connection_reused(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """Successive messages travel on one kept-alive connection of the shared session."""
    h = await hub_factory(webhook_yaml(receiver.url))
    incident = await h.hub.incidents.raise_incident("panic", source="a")
    await wait_for(lambda: receiver.messages)
    for step in ("acknowledge", "resolve"):
        await h.hub.services.call("incident", step, {"incident_id": incident.id})
        count = len(receiver.arrivals)
        await wait_for(lambda c=count: len(receiver.arrivals) > c)  # type: ignore[misc]
    assert len({a.peer_port for a in receiver.arrivals}) == 1


async def test_tls_verified_against_configured_ca(
    hub_factory: HubFactory, tmp_path: Path
) -> None:
    """HTTPS with a private CA: trusted via ca_file; without it the certificate is refused."""
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_ctx)
    ca_file = tmp_path / "police-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    receiver, runner = await start_receiver(ssl_context=server_ctx)
    try:
        assert receiver.url.startswith("https://localhost:")
        untrusted = await hub_factory(webhook_yaml(receiver.url))
        refused = await untrusted.hub.incidents.raise_incident("panic", source="a")
        await wait_for(lambda: _steps(refused, ACTION_FAILED))
        assert "TLS certificate refused" in _steps(refused, ACTION_FAILED)[0].note
        assert receiver.arrivals == []
        await untrusted.hub.stop()
        trusted = await hub_factory(webhook_yaml(receiver.url, ca_file=str(ca_file)))
        incident = await trusted.hub.incidents.raise_incident("panic", source="b")
        await wait_for(lambda: _steps(incident, ACTION_DELIVERED))
        # The refused hub's message is pending in the same database and may arrive after it.
        assert incident.id in [m["incident"]["id"] for m in receiver.messages]
    finally:
        await runner.cleanup()


async def test_forward_to_unknown_uplink_refused(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """uplinks.forward names the unknown uplink and the configured ones."""
    h = await hub_factory(webhook_yaml(receiver.url))
    incident = await h.hub.incidents.raise_incident("intrusion", source="a")
    with pytest.raises(ServiceValidationError, match="unknown nowhere; configured: city_police"):
        await h.hub.services.call("uplinks", "forward",
                                  {"incident_id": incident.id, "uplinks": ["nowhere"]})



async def test_non_finite_numbers_reach_the_police_as_null(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """An incident whose data holds NaN/Infinity is sent as standard JSON (null), which a
    strict receiver accepts, instead of a body with bare NaN."""
    h = await hub_factory(webhook_yaml(receiver.url))
    await h.hub.incidents.raise_incident("panic", source="alarm.p",
                                         data={"v": float("nan"), "w": float("-inf")})
    await wait_for(lambda: receiver.messages)
    assert receiver.messages[0]["incident"]["details"] == {"v": None, "w": None}
    assert b"NaN" not in encode_body({"v": float("nan")})
    orjson.loads(encode_body({"v": float("inf")}))
