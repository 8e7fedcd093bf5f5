"""The broker's side of the platform: partition queues, school accounts and their ACLs.

Schools publish to `amq.topic` through RabbitMQ's MQTT plugin. Each school's routing keys
(`<prefix>.<school>.#`) are bound to one of N quorum queues (`city.ingest.NNN`, chosen by a
stable hash of the school id) with single-active-consumer: workers compete for partitions,
each school's messages stay in order, and a standby consumer takes a partition over when
its worker dies. Every school's incidents (`<prefix>.*.incidents.#`, one binding) also go to
one alarm queue (`city.alarm`, quorum, single-active-consumer), which workers apply on their
own, so a backlog of heartbeats and device reports never delays a panic (the ingest copy is
not applied). One queue keeps the broker's cost flat (16 more quorum queues and a binding per
school made RabbitMQ 3.10's provisioning ~50 s slower at 1,000 schools) and is plenty for
incidents (a few per school per hour, bursts of hundreds).
Everything is applied through the management API's definitions import in one call (users,
permissions, topic permissions, queues, bindings).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import zlib
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp

__all__ = [
    "ALARM_QUEUE",
    "definitions",
    "partition_of",
    "provision",
    "queue_name",
    "rabbit_password_hash",
    "school_permissions",
]

EXCHANGE = "amq.topic"
VHOST = "/"


def partition_of(school: str, partitions: int) -> int:
    """Return the partition of a school (stable across processes and releases)."""
    return zlib.crc32(school.encode()) % partitions


def queue_name(partition: int) -> str:
    """Return the name of a partition's quorum queue."""
    return f"city.ingest.{partition:03d}"


ALARM_QUEUE = "city.alarm"


def rabbit_password_hash(password: str, salt: bytes | None = None) -> str:
    """Return RabbitMQ's salted SHA-256 hash (rabbit_password_hashing_sha256) of a password."""
    salt = salt if salt is not None else os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def school_permissions(prefix: str, school: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return a school's resource and topic permissions: its own topics and commands only.

    The MQTT client id must be the school id: its session queue is
    `mqtt-subscription-<school>qos1`, the only queue it may create or read.
    """
    p, s = re.escape(prefix), re.escape(school)
    own_queue = f"mqtt-subscription-{s}qos[01]"
    resource = {"user": school, "vhost": VHOST, "configure": f"^{own_queue}$",
                "write": f"^({re.escape(EXCHANGE)}|{own_queue})$",
                "read": f"^({re.escape(EXCHANGE)}|{own_queue})$"}
    topic = {"user": school, "vhost": VHOST, "exchange": EXCHANGE,
             "write": f"^{p}\\.{s}\\.(status|heartbeat|duties|incidents|devices|acks)(\\..+)?$",
             "read": f"^{p}\\.{s}\\.commands(\\..+)?$"}
    return resource, topic


def definitions(schools: Mapping[str, str | None], prefix: str,
                partitions: int) -> dict[str, Any]:
    """Return the definitions for the partition queues and every school (id -> password).

    A school given without a password keeps its queue binding but no broker account.
    """
    users, perms, topics, bindings = [], [], [], []
    for school, password in schools.items():
        if password is not None:
            users.append({"name": school, "password_hash": rabbit_password_hash(password),
                          "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ""})
            resource, topic = school_permissions(prefix, school)
            perms.append(resource)
            topics.append(topic)
        bindings.append({"source": EXCHANGE, "vhost": VHOST, "destination_type": "queue",
                         "destination": queue_name(partition_of(school, partitions)),
                         "routing_key": f"{prefix}.{school}.#", "arguments": {}})
    bindings.append({"source": EXCHANGE, "vhost": VHOST, "destination_type": "queue",
                     "destination": ALARM_QUEUE, "routing_key": f"{prefix}.*.incidents.#",
                     "arguments": {}})
    queues = [{"name": name, "vhost": VHOST, "durable": True, "auto_delete": False,
               "arguments": {"x-queue-type": "quorum", "x-single-active-consumer": True}}
              for name in [*map(queue_name, range(partitions)), ALARM_QUEUE]]
    return {"users": users, "permissions": perms, "topic_permissions": topics,
            "queues": queues, "bindings": bindings}


async def provision(management_urls: Iterable[str], defs: dict[str, Any],
                    timeout: float = 120.0) -> None:
    """Import definitions through the first management API that answers."""
    errors = []
    for url in management_urls:
        parts = urlsplit(url)
        token = base64.b64encode(f"{parts.username}:{parts.password}".encode()).decode()
        base = f"{parts.scheme}://{parts.hostname}:{parts.port}"
        try:
            async with aiohttp.ClientSession() as session, session.post(
                    f"{base}/api/definitions", json=defs,
                    headers={"Authorization": f"Basic {token}"},
                    timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                if resp.status in (200, 201, 204):
                    return
                errors.append(f"{base}: HTTP {resp.status} {(await resp.text())[:200]}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            errors.append(f"{base}: {exc}")
    raise ConnectionError("provisioning the broker failed: " + "; ".join(errors))
