"""The state machine and the service registry."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from hub.bus import EventBus
from hub.exceptions import ServiceNotFound, ServiceValidationError
from hub.services import ServiceRegistry
from hub.states import StateMachine


async def test_state_changed_carries_old_and_new() -> None:
    """Setting a new state fires state_changed with the old and the new state."""
    bus = EventBus()
    states, got = StateMachine(bus), []
    bus.listen("state_changed", got.append)
    states.set("gate.main", "closed")
    states.set("gate.main", "open")
    assert got[1].data["old_state"].state == "closed"
    assert got[1].data["new_state"].state == "open"


async def test_same_state_fires_nothing() -> None:
    """Writing the same state and attributes again fires no event."""
    bus = EventBus()
    states, got = StateMachine(bus), []
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
