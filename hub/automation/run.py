"""A run's state and how a run ends early; shared by the script runtime and its flow actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..bus import Context

if TYPE_CHECKING:
    from .trace import Trace

__all__ = ["Body", "Run", "Step", "Stopped"]


class Stopped(Exception):
    """Ends a run early: a stop action, a failed condition step, a wait that timed out."""

    def __init__(self, result: str, reason: str = "") -> None:
        self.result = result
        self.reason = reason
        super().__init__(reason or result)


@dataclass(slots=True)
class Run:
    """One run's state: its variables, trace and the context its service calls carry."""

    variables: dict[str, Any]
    trace: Trace
    context: Context


#: A compiled sequence (or traced action): runs against one run's state.
Step = Callable[[Run], Awaitable[None]]
#: One action's work; what it returns is the trace's result for that action.
Body = Callable[[Run], Awaitable[Any]]
