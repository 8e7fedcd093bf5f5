"""What schools publish and receive: MQTT topics, their AMQP routing keys, message parsing.

A school's hub publishes under `<prefix>/<school>/` (MQTT, QoS 1); RabbitMQ's MQTT plugin
routes each message to the `amq.topic` exchange with `/` turned into `.` (docs/city.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KINDS_UP",
    "Inbound",
    "ProtocolError",
    "command_routing_key",
    "command_topic",
    "parse_inbound",
]

# What a school may publish: the first topic level after `<prefix>/<school>/`.
KINDS_UP = ("status", "heartbeat", "duties", "incidents", "devices", "acks")


class ProtocolError(ValueError):
    """A message the platform cannot use (wrong topic or body); it is logged and dropped."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a school."""

    school: str
    kind: str
    rest: tuple[str, ...]
    body: Any


def command_topic(prefix: str, school: str, command_id: str) -> str:
    """Return the MQTT topic a school receives one command on."""
    return f"{prefix}/{school}/commands/{command_id}"


def command_routing_key(prefix: str, school: str, command_id: str) -> str:
    """Return the AMQP routing key of a command (amq.topic; MQTT `/` is `.` there)."""
    return f"{prefix}.{school}.commands.{command_id}"


def parse_inbound(prefix: str, routing_key: str, body: bytes) -> Inbound | None:
    """Return the message, None for a command echo, or raise ProtocolError."""
    parts = routing_key.split(".")
    if len(parts) < 3 or parts[0] != prefix:
        raise ProtocolError(f"unexpected routing key {routing_key!r}")
    school, kind, rest = parts[1], parts[2], tuple(parts[3:])
    if kind == "commands":
        return None  # the platform's own command to the school, seen by the school's binding
    if kind not in KINDS_UP:
        raise ProtocolError(f"{routing_key}: unknown kind {kind!r}")
    if kind == "status":
        text = body.decode("utf-8", "replace").strip()
        if text not in ("online", "offline"):
            raise ProtocolError(f"{routing_key}: status must be online/offline, got {text[:20]!r}")
        return Inbound(school, kind, rest, text)
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ProtocolError(f"{routing_key}: body is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"{routing_key}: body must be a JSON object")
    return Inbound(school, kind, rest, data)
