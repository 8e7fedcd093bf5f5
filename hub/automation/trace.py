"""Run traces: what fired, which conditions held, which actions ran, and how long each took."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..jsonutil import to_jsonable
from ..states import State

__all__ = ["MAX_ENTRIES", "Trace", "jsonable"]

_RUN_IDS = itertools.count(1)
#: Steps (and conditions) one trace keeps; a long repeat's later rounds are only counted.
MAX_ENTRIES = 5000


def jsonable(value: Any) -> Any:
    """Turn trigger data (States, datetimes, sets) into JSON-ready values."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, State):
        return value.as_dict()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    try:
        return jsonable(to_jsonable(value))
    except TypeError:
        return repr(value)


@dataclass(slots=True)
class Trace:
    """One run of one automation. Cheap to fill; turned to JSON only when asked."""

    automation_id: str
    trigger: Mapping[str, Any]
    run_id: int = field(default_factory=lambda: next(_RUN_IDS))
    started: float = field(default_factory=time.time)
    finished: float | None = None
    result: str = "running"
    error: str | None = None
    conditions: list[tuple[str, bool, str | None]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    variables: Mapping[str, Any] | None = None
    #: steps and conditions not kept (past MAX_ENTRIES each)
    dropped: int = 0

    def condition(self, path: str, result: bool, error: str | None = None) -> None:
        """Record one condition and whether it held."""
        if len(self.conditions) < MAX_ENTRIES:
            self.conditions.append((path, result, error))
        else:
            self.dropped += 1

    def step(self, path: str, kind: str, started: float, result: Any = None,
             error: str | None = None) -> dict[str, Any] | None:
        """Record one action: its path, kind, result or error, and duration; return the entry
        (None when the trace is full)."""
        if len(self.steps) >= MAX_ENTRIES:
            self.dropped += 1
            return None
        entry = {"path": path, "kind": kind, "started": started,
                 "duration": time.time() - started, "result": result, "error": error}
        self.steps.append(entry)
        return entry

    def finish(self, result: str, error: str | None = None) -> None:
        """Close the trace with how the run ended."""
        if self.finished is None:
            self.finished = time.time()
            self.result = result
            self.error = error

    def summary(self) -> dict[str, Any]:
        """Return the short form the automation list shows."""
        return {"run_id": self.run_id, "started": self.started, "finished": self.finished,
                "result": self.result, "error": self.error,
                "trigger": self.trigger.get("description", self.trigger.get("platform"))}

    def as_dict(self) -> dict[str, Any]:
        """Return the whole trace as a JSON-ready dict."""
        return {
            "automation_id": self.automation_id,
            "run_id": self.run_id,
            "started": self.started,
            "finished": self.finished,
            "duration": None if self.finished is None else self.finished - self.started,
            "result": self.result,
            "error": self.error,
            "trigger": jsonable(self.trigger),
            "conditions": [{"path": p, "result": r, "error": e}
                           for p, r, e in self.conditions],
            "steps": [jsonable(s) for s in self.steps],
            "dropped": self.dropped,
            "variables": None if self.variables is None else jsonable(
                {k: v for k, v in self.variables.items()
                 if k != "trigger" and not callable(v)}),
        }
