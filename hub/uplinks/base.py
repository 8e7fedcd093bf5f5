"""The uplink contract: a destination type the hub delivers outbox items to.

A plugin returns `Uplink` subclasses from `register_uplinks`. The hub builds one instance
per `uplinks:` entry of that type, starts it, and hands it the items of what it subscribes
to, one `deliver` call per item.
"""

from __future__ import annotations

import abc
import builtins
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .config import UplinkConfig

if TYPE_CHECKING:
    from ..hub import Hub
    from ..incidents import Incident

__all__ = [
    "SUBSCRIPTIONS",
    "SUBSCRIPTION_DEVICE_STATUS",
    "SUBSCRIPTION_FACE_CAPTURE",
    "SUBSCRIPTION_INCIDENT",
    "Uplink",
    "UplinkItem",
    "check_subscription",
]

SUBSCRIPTION_INCIDENT = "incident"
SUBSCRIPTION_FACE_CAPTURE = "face_capture"
SUBSCRIPTION_DEVICE_STATUS = "device_status"
EVENT_PREFIX = "event:"
#: What an uplink may subscribe to; "event:<event_type>" names any bus event type.
SUBSCRIPTIONS = frozenset({SUBSCRIPTION_INCIDENT, SUBSCRIPTION_FACE_CAPTURE,
                           SUBSCRIPTION_DEVICE_STATUS})


def check_subscription(name: str) -> str:
    """Return `name` if it is a known subscription; raise ValueError otherwise."""
    if name in SUBSCRIPTIONS:
        return name
    if name.startswith(EVENT_PREFIX) and name[len(EVENT_PREFIX):].isidentifier():
        return name
    raise ValueError(f"unknown subscription {name!r}; expected one of "
                     f"{', '.join(sorted(SUBSCRIPTIONS))} or 'event:<event_type>'")


@dataclass(frozen=True, slots=True)
class UplinkItem:
    """One message for one uplink, as the outbox stores it.

    `kind` is the subscription it came from ("incident", "face_capture", "device_status",
    "event:<type>"). `key` is unique per uplink (a retry after a crash sends the same key,
    so the receiver can de-duplicate). Items with one `ordering_key` are delivered in
    order; different keys go out concurrently. `id` is the outbox row's id, or 0 when the
    item was handed over straight from its commit (the key identifies it).
    `incident` is the incident object while the item is being built (in `wants` and
    `build`), None when read back from the outbox.
    """

    id: int
    uplink: str
    kind: str
    key: str
    ordering_key: str
    payload: dict[str, Any]
    attempts: int = 0
    created_at: float = 0.0
    incident_id: str | None = None
    incident: Incident | None = field(default=None, compare=False, repr=False)


class Uplink(abc.ABC):
    """A configured destination: subclass it, set the class variables, implement `deliver`."""

    #: the `type:` of its `uplinks:` entries, e.g. "webhook"
    type: ClassVar[str]
    #: the pydantic model of one entry (a subclass of UplinkConfig)
    config_model: ClassVar[builtins.type[UplinkConfig]]
    #: what it receives: a subset of SUBSCRIPTIONS and "event:<event_type>" names
    subscribes: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, hub: Hub, config: UplinkConfig) -> None:
        self.hub = hub
        self.config = config

    @property
    def name(self) -> str:
        """Return the configured name (unique among uplinks)."""
        return self.config.name

    async def start(self) -> None:
        """Open connections, register, start keepalive tasks (with hub.create_task)."""
        return None

    async def stop(self) -> None:
        """Close connections."""
        return None

    def wants(self, item: UplinkItem) -> bool:
        """Return whether this item goes to this uplink (called at enqueue); default yes."""
        return True

    def build(self, item: UplinkItem) -> dict[str, Any] | None:
        """Return the payload to store for this uplink (called at enqueue); None skips it."""
        return item.payload

    @abc.abstractmethod
    async def deliver(self, item: UplinkItem) -> str | None:
        """Deliver one item; return (an optional short detail) when the receiver has it.

        Raise `UplinkRetry` for a transient failure (retried with backoff; the uplink is
        paused and probed with one item at a time) or `UplinkRejected` when the receiver
        refuses the item for good (it becomes a dead letter at once).
        """

    def status(self) -> dict[str, Any]:
        """Return the uplink's own state for the panel and `campus-hub uplinks`.

        At least {"state": ...}; the outbox adds backlog, delivered, dropped, dead,
        last_error and last_delivery_at itself.
        """
        return {"state": "running"}
