"""The event bus."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from hub.bus import MATCH_ALL, Event, EventBus


async def test_listener_gets_only_its_type() -> None:
    """A listener receives events of its type and not others."""
    bus = EventBus()
    got: list[Any] = []
    bus.listen("door_opened", got.append)
    bus.fire("door_opened", {"n": 1})
    bus.fire("window_opened", {"n": 2})
    assert [e.data["n"] for e in got] == [1]


async def test_match_all_sees_everything() -> None:
    """A MATCH_ALL listener sees every event type."""
    bus = EventBus()
    got: list[Any] = []
    bus.listen(MATCH_ALL, got.append)
    bus.fire("a")
    bus.fire("b")
    assert [e.event_type for e in got] == ["a", "b"]


async def test_async_listener_runs() -> None:
    """A coroutine listener is run as a task."""
    bus, done = EventBus(), asyncio.Event()

    async def listener(event: Event) -> None:
        done.set()

    bus.listen("x", listener)
    bus.fire("x")
    await asyncio.wait_for(done.wait(), 1)


async def test_failing_listener_isolated(caplog: pytest.LogCaptureFixture) -> None:
    """A listener that raises is logged by name and does not stop the others."""
    bus = EventBus()
    got: list[Any] = []

    def broken(event: Event) -> None:
        raise RuntimeError("boom")

    bus.listen("x", broken)
    bus.listen("x", got.append)
    bus.fire("x")
    assert len(got) == 1
    assert "broken" in caplog.text


async def test_remove_listener() -> None:
    """The remover returned by listen() stops further calls."""
    bus = EventBus()
    got: list[Any] = []
    remove = bus.listen("x", got.append)
    bus.fire("x")
    remove()
    bus.fire("x")
    assert len(got) == 1


async def test_listeners_added_or_removed_after_a_fire_take_effect() -> None:
    """The per-type dispatch cache follows listen() and remove(), match-all included."""
    bus = EventBus()
    typed: list[Event] = []
    everything: list[Event] = []
    bus.fire("x")
    remove = bus.listen("x", typed.append)
    bus.listen(MATCH_ALL, everything.append)
    bus.fire("x")
    remove()
    bus.fire("x")
    assert len(typed) == 1
    assert len(everything) == 2


async def test_listener_removed_while_dispatching_still_gets_that_event() -> None:
    """A listener that removes another mid-dispatch only stops it from the next event on."""
    bus = EventBus()
    got: list[Event] = []
    removers: list[Callable[[], None]] = []
    bus.listen("x", lambda event: removers[0]())
    removers.append(bus.listen("x", got.append))
    bus.fire("x")
    bus.fire("x")
    assert len(got) == 1
