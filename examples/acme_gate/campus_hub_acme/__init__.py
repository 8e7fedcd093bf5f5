"""ACME example plugin: hook implementations only."""

from __future__ import annotations

from hub import (
    EntityServiceData,
    Hub,
    Platform,
    ServiceCall,
    ServiceSpec,
    ServiceValidationError,
    hookimpl,
)

from .button import AcmeButton
from .const import DOMAIN, EVENT_ACME_BUTTON_PRESSED, SERVICE_PRESS
from .gate import AcmeGate


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """The ACME barrier and panic button."""
    return [AcmeGate, AcmeButton]


def _press(hub: Hub, call: ServiceCall) -> None:
    data: EntityServiceData = call.data
    for entity_id in data.targets():
        entity = hub.entities.get(entity_id)
        if not isinstance(entity, AcmeButton):
            raise ServiceValidationError(f"entity_id: {entity_id} is not an ACME button")
        entity.press()
        hub.bus.fire(EVENT_ACME_BUTTON_PRESSED, {"entity_id": entity_id}, call.context)


@hookimpl
def register_services() -> list[ServiceSpec]:
    """`acme.press`: press a button (what the device reports on a real press)."""
    return [ServiceSpec(DOMAIN, SERVICE_PRESS, _press, EntityServiceData,
                        "Press an ACME panic button.", ("admin",))]
