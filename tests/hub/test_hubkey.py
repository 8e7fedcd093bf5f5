"""Typed component keys: a HubKey reads and writes the same entry as its plain name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.hubkey import RECORDER, Components, HubKey
from hub.recorder.component import Recorder


async def test_the_recorder_is_reached_by_its_typed_key(hub_factory: Callable[..., Any]) -> None:
    """`hub.components[RECORDER]` is the running Recorder, the same as by name."""
    h = await hub_factory("hub: {}\n")
    recorder = h.hub.components[RECORDER]
    assert isinstance(recorder, Recorder)
    assert recorder is h.hub.components["recorder"] and RECORDER in h.hub.components


def test_a_key_and_its_name_are_one_entry() -> None:
    """Setting by key, reading by name (and back); get() gives None for a missing key."""
    components = Components()
    key: HubKey[list[int]] = HubKey("numbers")
    components[key] = [1]
    assert components["numbers"] == [1] and components.get(key) == [1]
    assert components.get(HubKey[int]("absent")) is None and "absent" not in components
