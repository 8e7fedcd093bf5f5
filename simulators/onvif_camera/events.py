"""Event source of the simulator: topics, current values, PullPoint subscriptions."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from .soap import text

TOPIC_MOTION = "tns1:RuleEngine/CellMotionDetector/Motion"
TOPIC_TAMPER = "tns1:VideoSource/GlobalSceneChange/ImagingService"
TOPIC_INPUT = "tns1:Device/Trigger/DigitalInput"
TOPIC_RELAY = "tns1:Device/Trigger/Relay"
DIALECT = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
MAX_QUEUE = 1000

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def now_utc() -> dt.datetime:
    """Aware UTC now, second precision."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(value: dt.datetime) -> str:
    """xs:dateTime in Zulu form."""
    return value.isoformat().replace("+00:00", "Z")


def parse_termination(value: str | None, default: dt.timedelta) -> dt.datetime:
    """Absolute termination time from an xs:duration ("PT60S") or an xs:dateTime."""
    if not value:
        return now_utc() + default
    match = _DURATION.match(value.strip())
    if match:
        days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
        span = dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        return now_utc() + span
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return now_utc() + default
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class EventSpec:
    """How a kind of event looks on the wire."""

    topic: str
    source: tuple[str, ...]  # SimpleItem names; values come from the token
    data: str
    words: tuple[str, str] = ("false", "true")  # how the value is spelled (false, true)


SPECS = {
    "motion": EventSpec(TOPIC_MOTION, ("VideoSourceConfigurationToken", "Rule"), "IsMotion"),
    "tamper": EventSpec(TOPIC_TAMPER, ("Source",), "State"),
    "input": EventSpec(TOPIC_INPUT, ("InputToken",), "LogicalState"),
    "relay": EventSpec(TOPIC_RELAY, ("RelayToken",), "LogicalState", ("inactive", "active")),
}


def notification(kind: str, token: str, value: bool, operation: str = "Changed") -> str:
    """A wsnt:NotificationMessage for one event value."""
    spec = SPECS[kind]
    values = {"VideoSourceConfigurationToken": "VSC_1", "Rule": "MotionRule"}
    items = "".join(
        f'<tt:SimpleItem Name="{name}" Value="{text(values.get(name, token))}"/>'
        for name in spec.source
    )
    return (
        f'<wsnt:NotificationMessage><wsnt:Topic Dialect="{DIALECT}">{spec.topic}</wsnt:Topic>'
        f'<wsnt:Message><tt:Message UtcTime="{iso(now_utc())}" PropertyOperation="{operation}">'
        f"<tt:Source>{items}</tt:Source><tt:Data>"
        f'<tt:SimpleItem Name="{spec.data}" Value="{spec.words[value]}"/></tt:Data>'
        f"</tt:Message></wsnt:Message></wsnt:NotificationMessage>"
    )


@dataclass(slots=True)
class Subscription:
    """One PullPoint subscription with its queue of pending messages."""

    sid: str
    termination: dt.datetime
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(MAX_QUEUE))
    dropped: int = 0

    def put(self, message: str) -> None:
        """Queue a message; drop the oldest when full (a real camera loses them too)."""
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(message)

    @property
    def expired(self) -> bool:
        """True once the termination time has passed."""
        return now_utc() > self.termination


@dataclass(slots=True)
class EventHub:
    """Current event values and the subscriptions that receive their changes."""

    values: dict[tuple[str, str], bool] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)

    def initial(self, kind: str, token: str) -> None:
        """Declare an event property with value false."""
        self.values[(kind, token)] = False

    def publish(self, kind: str, token: str, value: bool) -> None:
        """Change a value and notify every live subscription."""
        if kind not in SPECS:
            raise ValueError(f"unknown event kind {kind!r}, expected one of {sorted(SPECS)}")
        self.values[(kind, token)] = value
        message = notification(kind, token, value)
        for sub in self.live():
            sub.put(message)

    def subscribe(self, termination: dt.datetime) -> Subscription:
        """Create a subscription primed with the current values (PropertyOperation Initialized)."""
        sub = Subscription(secrets.token_hex(8), termination)
        self.synchronize(sub)
        self.subscriptions[sub.sid] = sub
        return sub

    def synchronize(self, sub: Subscription) -> None:
        """Queue every current value as Initialized."""
        for (kind, token), value in self.values.items():
            sub.put(notification(kind, token, value, "Initialized"))

    def live(self) -> list[Subscription]:
        """Subscriptions not yet expired; expired ones are forgotten."""
        for sid in [s.sid for s in self.subscriptions.values() if s.expired]:
            del self.subscriptions[sid]
        return list(self.subscriptions.values())

    def get(self, sid: str) -> Subscription | None:
        """A live subscription by id."""
        sub = self.subscriptions.get(sid)
        if sub is None or sub.expired:
            self.subscriptions.pop(sid, None)
            return None
        return sub

    def clear(self) -> None:
        """Forget every subscription (the device rebooted)."""
        self.subscriptions.clear()
