"""The state machine and the service registry."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from hub.bus import Event, EventBus
from hub.exceptions import ServiceNotFound, ServiceValidationError
from hub.services import ServiceRegistry
from hub.states import StateMachine


async def test_state_changed_carries_old_and_new() -> None:
    """Setting a new state fires state_changed with the old and the new state."""
    bus = EventBus()
    states = StateMachine(bus)
    got: list[Any] = []
    bus.listen("state_changed", got.append)
    states.set("gate.main", "closed")
    states.set("gate.main", "open")
    assert got[1].data["old_state"].state == "closed"
    assert got[1].data["new_state"].state == "open"


async def test_same_state_fires_nothing() -> None:
    """Writing the same state and attributes again fires no event."""
    bus = EventBus()
    states = StateMachine(bus)
    got: list[Any] = []
    bus.listen("state_changed", got.append)
    states.set("gate.main", "closed", {"a": 1})
    states.set("gate.main", "closed", {"a": 1})
    assert len(got) == 1


async def test_attribute_change_keeps_last_changed() -> None:
    """An attribute-only change updates last_updated, not last_changed."""
    states = StateMachine(EventBus())
    first = states.set("sensor.x", "1", {"a": 1})
    second = states.set("sensor.x", "1", {"a": 2})
    assert second.last_changed == first.last_changed
    assert second.attributes["a"] == 2


async def test_state_is_frozen_and_owns_its_attributes() -> None:
    """States cannot be mutated, do not alias the caller's dict, and equal a fresh State."""
    import dataclasses

    from hub.states import State

    states, attrs = StateMachine(EventBus()), {"a": 1}
    first = states.set("sensor.x", "1", attrs)
    attrs["a"] = 2
    second = states.set("sensor.x", "2", {"a": 1})
    assert first.attributes == {"a": 1}
    assert second.attributes == {"a": 1}
    assert second == State("sensor.x", "2", {"a": 1}, second.last_changed, second.last_updated)
    with pytest.raises(dataclasses.FrozenInstanceError):
        second.state = "3"  # type: ignore[misc]


async def test_state_changed_time_is_the_states_update_time() -> None:
    """The state_changed event is fired at the new state's last_updated."""
    bus = EventBus()
    states, got = StateMachine(bus), list[Event]()
    bus.listen("state_changed", got.append)
    state = states.set("sensor.x", "1")
    assert got[0].time_fired == state.last_updated


class _Data(BaseModel):
    volume: int


async def test_service_bad_data_names_field() -> None:
    """A call with bad data is a ServiceValidationError naming the field."""
    reg = ServiceRegistry(EventBus())
    reg.register("speaker", "set_volume", lambda call: call.data.volume, _Data)
    with pytest.raises(ServiceValidationError) as err:
        await reg.call("speaker", "set_volume", {"volume": "loud"})
    assert err.value.errors[0][0] == "volume"
    assert await reg.call("speaker", "set_volume", {"volume": 3}) == 3


async def test_unknown_service() -> None:
    """Calling an unknown service raises ServiceNotFound."""
    with pytest.raises(ServiceNotFound):
        await ServiceRegistry(EventBus()).call("nope", "nothing")
