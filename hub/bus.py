"""The event bus: typed events, per-type dispatch, sync fast path and async listeners."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

_LOGGER = logging.getLogger(__name__)

MATCH_ALL = "*"

__all__ = ["MATCH_ALL", "Context", "Event", "EventBus", "Listener"]


@dataclass(slots=True, frozen=True)
class Context:
    """Who caused something: a user id, or None for the hub itself."""

    user_id: str | None = None
    origin: str = "local"


_HUB_CONTEXT = Context()


@dataclass(slots=True)
class Event:
    """Something that happened; `data` stays JSON-serialisable."""

    event_type: str
    data: dict[str, Any]
    time_fired: float = field(default_factory=time.time)
    context: Context = _HUB_CONTEXT

    def as_dict(self) -> dict[str, Any]:
        """Return the event as a JSON-ready dict."""
        return {
            "event_type": self.event_type,
            "data": self.data,
            "time_fired": self.time_fired,
            "context": {"user_id": self.context.user_id, "origin": self.context.origin},
        }


Listener = Callable[[Event], None] | Callable[[Event], Awaitable[None]]
_Spawn = Callable[[Coroutine[Any, Any, None], str], object]
_SyncListener = Callable[[Event], None]
_AsyncListener = Callable[[Event], Awaitable[None]]
_Targets = tuple[tuple[_SyncListener, ...], tuple[_AsyncListener, ...]]


class EventBus:
    """Dispatches events to listeners of their type and to match-all listeners.

    Sync listeners run inline (the fast path) and must be quick; coroutine listeners are
    started as tracked tasks. A failing listener is logged with its name and never stops
    the others.
    """

    def __init__(self, spawn: _Spawn | None = None) -> None:
        self._sync: dict[str, list[Callable[[Event], None]]] = {}
        self._async: dict[str, list[Callable[[Event], Awaitable[None]]]] = {}
        # Per event type: its listeners and the match-all ones, joined once (fire_event is
        # the hot path: one dict lookup instead of four); cleared whenever listeners change.
        self._targets: dict[str, _Targets] = {}
        self._spawn = spawn or _default_spawn

    def listen(self, event_type: str, listener: Listener) -> Callable[[], None]:
        """Call `listener` for each event of `event_type` (or MATCH_ALL); return a remover."""
        table: dict[str, list[Any]] = (
            self._async if asyncio.iscoroutinefunction(listener) else self._sync
        )
        listeners = table.setdefault(event_type, [])
        # Copy on write: fire() iterates without copying.
        table[event_type] = [*listeners, listener]
        self._targets.clear()

        def remove() -> None:
            current = table.get(event_type, [])
            if listener in current:
                table[event_type] = [item for item in current if item is not listener]
                self._targets.clear()

        return remove

    def listener_count(self) -> dict[str, int]:
        """Return the number of listeners per event type."""
        counts: dict[str, int] = {}
        for table in (self._sync, self._async):
            for event_type, listeners in table.items():
                counts[event_type] = counts.get(event_type, 0) + len(listeners)
        return counts

    def fire(
        self, event_type: str, data: dict[str, Any] | None = None, context: Context | None = None
    ) -> Event:
        """Fire an event now, from the loop's thread; return it."""
        event = Event(event_type, data if data is not None else {}, time.time(),
                      context or _HUB_CONTEXT)
        self.fire_event(event)
        return event

    def fire_event(self, event: Event) -> None:
        """Dispatch an already built event: its type's listeners, then match-all ones."""
        targets = self._targets.get(event.event_type)
        if targets is None:
            targets = self._join(event.event_type)
        sync, asynchronous = targets
        for listener in sync:
            try:
                listener(event)
            except Exception:
                _LOGGER.exception("Error in listener %s for %s",
                                  _name(listener), event.event_type)
        for alistener in asynchronous:
            self._spawn(_guard(alistener, event), f"listener {_name(alistener)}")

    def _join(self, event_type: str) -> _Targets:
        keys = (event_type,) if event_type == MATCH_ALL else (event_type, MATCH_ALL)
        targets = (
            tuple(listener for key in keys for listener in self._sync.get(key, ())),
            tuple(listener for key in keys for listener in self._async.get(key, ())),
        )
        self._targets[event_type] = targets
        return targets


async def _guard(listener: Callable[[Event], Awaitable[None]], event: Event) -> None:
    try:
        await listener(event)
    except Exception:
        _LOGGER.exception("Error in listener %s for %s", _name(listener), event.event_type)


def _name(listener: object) -> str:
    return getattr(listener, "__qualname__", repr(listener))


_BACKGROUND: set[asyncio.Task[None]] = set()


def _default_spawn(coro: Coroutine[Any, Any, None], name: str) -> object:
    task = asyncio.get_running_loop().create_task(coro, name=name)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    return task
