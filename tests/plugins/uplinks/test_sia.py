"""SIA DC-09 transmitter against pysiaalarm's receiver (a third-party implementation)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pysiaalarm.account import SIAAccount
from pysiaalarm.aio.client import SIAClient, SIAClientTCP
from pysiaalarm.errors import EventFormatError
from pysiaalarm.event import SIAEvent
from pysiaalarm.utils.enums import MessageTypes

from hub.testing import wait_for
from hub.uplinks.const import ACTION_DEAD, ACTION_DELIVERED, ACTION_FAILED
from plugins.uplinks.sia.dc09 import build_message, crc16, parse_response
from plugins.uplinks.sia.uplink import SiaUplink

HubFactory = Callable[..., Any]
ACCOUNT = "AB12"
KEY16 = "0123456789ABCDEF"
KEY32 = "0123456789ABCDEF0123456789ABCDEF"


@dataclass
class SiaReceiver:
    """pysiaalarm listening on 127.0.0.1, collecting events."""

    port: int = 0
    events: list[SIAEvent] = field(default_factory=list)


def _client(port: int, account: SIAAccount,
            on_event: Callable[[SIAEvent], Awaitable[None]]) -> SIAClientTCP:
    # SIAClient picks its TCP subclass in __new__; mypy cannot see through that.
    client = SIAClient("127.0.0.1", port, [account], function=on_event)  # type: ignore[abstract]
    assert isinstance(client, SIAClientTCP)
    return client


async def _start(key: str | None) -> tuple[SIAClientTCP, SiaReceiver]:
    found = SiaReceiver()

    async def on_event(event: SIAEvent) -> None:
        found.events.append(event)

    client = _client(0, SIAAccount(ACCOUNT, key), on_event)
    await client.async_start()
    assert client.server is not None
    found.port = client.server.sockets[0].getsockname()[1]
    return client, found


@pytest.fixture(params=[None, KEY16, KEY32], ids=["plain", "aes128", "aes256"])
async def sia(request: pytest.FixtureRequest) -> AsyncIterator[tuple[SiaReceiver, str | None]]:
    """A pysiaalarm receiver: plain, AES-128 or AES-256 (account key as characters)."""
    client, found = await _start(request.param)
    yield found, request.param
    await client.async_stop()


def _yaml(port: int, key: str | None, **extra: Any) -> str:
    lines = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    key_line = f"    key: {key}\n" if key else ""
    return ("uplinks:\n  - type: sia\n    name: arc\n    host: 127.0.0.1\n"
            "    retry: {max_attempts: 3, initial_delay: 0.05, max_delay: 0.2}\n"
            f"    port: {port}\n    account: {ACCOUNT}\n    area: 2\n"
            "    supervision_interval: 0\n    zones: {alarm.panic_1: 7}\n"
            f"{key_line}{lines}")


def test_crc_matches_dc09_reference() -> None:
    """The CRC is CRC-16/ARC: the standard check value of '123456789' is 0xBB3D."""
    assert crc16(b"123456789") == 0xBB3D


def test_ack_parsing_rejects_bad_crc() -> None:
    """An answer whose CRC does not match is refused."""
    good = b'\nD3EF0014"ACK"0007R0L0#1234[]\r'
    assert parse_response(good).kind == "ACK"
    with pytest.raises(ValueError, match="CRC mismatch"):
        parse_response(good.replace(b"0007", b"0008"))


async def test_panic_and_restore_reach_receiver(
    hub_factory: HubFactory, sia: tuple[SiaReceiver, str | None]
) -> None:
    """A panic goes out as PA (zone, area, account), its resolution as PR; both ACKed."""
    found, key = sia
    h = await hub_factory(_yaml(found.port, key))
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    await wait_for(lambda: found.events)
    await h.hub.services.call("incident", "resolve", {"incident_id": incident.id})
    await wait_for(lambda: len(found.events) == 2)
    first, second = found.events
    assert (first.code, first.ri, first.message, first.account) == ("PA", "2", "007", ACCOUNT)
    assert first.encrypted == bool(key) and first.valid_message
    assert second.code == "PR" and int(str(second.sequence)) == int(str(first.sequence)) + 1
    await wait_for(lambda: len([s for s in incident.timeline if s.action == ACTION_DELIVERED])
                   == 2)
    notes = [s.note for s in incident.timeline if s.action == ACTION_DELIVERED]
    assert notes[0].startswith("ACK PA007 seq")


async def test_acknowledge_is_not_sent_over_sia(hub_factory: HubFactory) -> None:
    """SIA carries alarms and their end; an acknowledgement makes no SIA message."""
    client, found = await _start(None)
    try:
        h = await hub_factory(_yaml(found.port, None))
        incident = await h.hub.incidents.raise_incident("watchlist_match", source="camera.g")
        await h.hub.services.call("incident", "acknowledge", {"incident_id": incident.id})
        await h.hub.services.call("incident", "mark_false_alarm", {"incident_id": incident.id})
        await wait_for(lambda: len(found.events) == 2)
        assert [e.code for e in found.events] == ["QA", "OC"]
    finally:
        await client.async_stop()


async def test_duh_is_a_dead_letter(hub_factory: HubFactory) -> None:
    """A code the receiver does not know gets DUH: not retried, a dead letter."""
    client, found = await _start(None)
    try:
        # AQ and AY are not in the SIA code table pysiaalarm knows
        h = await hub_factory(_yaml(found.port, None, codes="{panic: [AQ, AY]}"))
        incident = await h.hub.incidents.raise_incident("panic", source="alarm.x")
        await wait_for(lambda: [s for s in incident.timeline if s.action == ACTION_DEAD])
        dead = next(s for s in incident.timeline if s.action == ACTION_DEAD)
        assert "DUH" in dead.note and dead.data["attempt"] == 1
        assert found.events == []
    finally:
        await client.async_stop()


async def test_nak_for_skewed_clock_then_ack(hub_factory: HubFactory) -> None:
    """With a clock 10 minutes off the receiver NAKs; the transmitter adopts its time, ACK."""
    client, found = await _start(KEY16)
    try:
        h = await hub_factory(_yaml(found.port, KEY16))
        transport = h.hub.components["uplinks"].get("arc")
        assert isinstance(transport, SiaUplink)
        transport.clock = lambda: time.time() - 600  # a fault the receiver cannot make itself
        await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")
        await wait_for(lambda: found.events)
        assert found.events[0].code == "PA"
        assert client.sia_server.counts.get("timestamp") == 1  # the NAKed first try
    finally:
        await client.async_stop()


async def test_supervision_sends_null_messages(hub_factory: HubFactory) -> None:
    """With a supervision interval, idle links carry NULL messages the receiver ACKs."""
    client, found = await _start(KEY16)
    try:
        h = await hub_factory(_yaml(found.port, KEY16).replace(
            "supervision_interval: 0", "supervision_interval: 0.2"))
        await wait_for(lambda: len(found.events) >= 2, timeout=5)
        assert {e.message_type for e in found.events} == {MessageTypes.NULL}
        transport = h.hub.components["uplinks"].get("arc")
        assert transport.supervision_ok is True
    finally:
        await client.async_stop()


async def test_receiver_down_then_up(hub_factory: HubFactory, unused_tcp_port: int) -> None:
    """While the receiver is down the alarm waits; when it listens, the alarm arrives."""
    h = await hub_factory(_yaml(unused_tcp_port, None))
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    await wait_for(lambda: [s for s in incident.timeline if s.action == ACTION_FAILED])
    found = SiaReceiver()

    async def on_event(event: SIAEvent) -> None:
        found.events.append(event)

    client = _client(unused_tcp_port, SIAAccount(ACCOUNT), on_event)
    await client.async_start()
    try:
        await wait_for(lambda: found.events, timeout=5)
        assert found.events[0].code == "PA"
    finally:
        await client.async_stop()


def test_encrypted_frame_decrypts_with_account_key() -> None:
    """An encrypted frame parses in pysiaalarm only with the right key."""
    frame = build_message("SIA-DCS", 1, ACCOUNT, "Nri1/PA001", dt.datetime.now(dt.UTC),
                          key=KEY16.encode())
    event = SIAEvent.from_line(frame.decode().strip(), {ACCOUNT: SIAAccount(ACCOUNT, KEY16)})
    assert event.code == "PA" and event.valid_message
    # With a wrong key the plaintext is noise: pysiaalarm either refuses the frame outright or
    # yields an event that is not a valid PA message (which one depends on the noise).
    try:
        wrong = SIAEvent.from_line(frame.decode().strip(),
                                   {ACCOUNT: SIAAccount(ACCOUNT, "FEDCBA9876543210")})
    except EventFormatError:
        return
    assert not (wrong.valid_message and wrong.code == "PA")


