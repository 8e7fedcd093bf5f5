"""The scenarios both sides run: names, sizes and the automation configuration (HA shape)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "ACTION_EVENT",
    "BUS_EVENT",
    "Sizes",
    "automation_config",
    "entity_id",
]

#: The event an automation's action fires; the bench listens to it to time the action.
ACTION_EVENT = "bench_action"
#: The event type the bus throughput scenarios fire.
BUS_EVENT = "bench_event"


def entity_id(index: int, domain: str = "sensor") -> str:
    """Return the entity id the bench uses for entity number `index`."""
    return f"{domain}.bench_{index}"


def automation_config(count: int, domain: str = "sensor") -> list[dict[str, Any]]:
    """Return `count` automations, each: state of its own entity changes -> fire ACTION_EVENT.

    The same list is given to Home Assistant and to Campus Hub (both accept HA's shape).
    """
    return [
        {
            "id": f"bench_{i}",
            "alias": f"Bench {i}",
            "trigger": [{"platform": "state", "entity_id": entity_id(i, domain)}],
            "action": [{"event": ACTION_EVENT, "event_data": {"n": i}}],
        }
        for i in range(count)
    ]


@dataclass(frozen=True, slots=True)
class Sizes:
    """How big each scenario is; `quick()` is for a smoke run."""

    events: int = 100_000
    state_writes: int = 50_000
    state_entities: int = 1_000
    latency_samples: int = 1_000
    latency_automations: tuple[int, ...] = (1, 100, 1_000)
    burst_automations: int = 1_000
    burst_rounds: int = 5
    startup_automations: int = 1_000
    startup_entities: int = 10_000
    startup_repeats: int = 3
    repeats: int = 3
    #: the recorder's sustained test writes at HA's state-write rate (issue 2's figure)
    sustained_rate: int = 55_000
    sustained_seconds: float = 5.0

    @classmethod
    def quick(cls) -> Sizes:
        """Return small sizes that finish in seconds (figures not meaningful)."""
        return cls(
            events=20_000,
            state_writes=10_000,
            latency_samples=100,
            latency_automations=(1, 100),
            burst_automations=100,
            burst_rounds=2,
            startup_automations=100,
            startup_entities=1_000,
            repeats=1,
            startup_repeats=1,
            sustained_seconds=1.0,
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the sizes as a JSON-ready dict."""
        return asdict(self)
