"""Services aimed at entities: `gate.open` with an entity_id calls `Gate.open()` on each target."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .entity import Entity, EntityServiceData
from .exceptions import DeviceUnavailable, ServiceValidationError
from .services import ServiceCall

if TYPE_CHECKING:
    from .hub import Hub

__all__ = ["EntityService", "register_entity_services"]


@dataclass(slots=True, frozen=True)
class EntityService:
    """A domain service that runs `method` on each targeted entity with the call's data."""

    name: str
    method: str
    schema: type[EntityServiceData] = EntityServiceData
    roles: tuple[str, ...] = ("admin",)
    description: str = ""


def register_entity_services(hub: Hub, domain: str, services: list[EntityService]) -> None:
    """Register each service of `domain` on the hub's registry."""
    for spec in services:
        hub.services.register(domain, spec.name, _handler(hub, domain, spec), spec.schema,
                              spec.description, spec.roles)


def _handler(hub: Hub, domain: str, spec: EntityService) -> Any:
    async def handle(call: ServiceCall) -> list[Any]:
        data: EntityServiceData = call.data
        entities = [_target(hub, domain, entity_id) for entity_id in data.targets()]
        kwargs = data.model_dump(exclude={"entity_id"})
        results = await asyncio.gather(
            *(getattr(entity, spec.method)(**kwargs) for entity in entities)
        )
        return list(results)

    handle.__doc__ = spec.description
    return handle


def _target(hub: Hub, domain: str, entity_id: str) -> Entity:
    entity = hub.entities.get(entity_id)
    if entity is None or entity.domain != domain:
        known = ", ".join(sorted(e for e in hub.entities if e.startswith(domain + "."))) or "none"
        raise ServiceValidationError(
            f"entity_id: no {domain} entity '{entity_id}' (known: {known})",
            [("entity_id", f"unknown {domain} entity '{entity_id}'")],
        )
    if not entity.available:  # the device's fault, not the caller's: a 503 on the API
        raise DeviceUnavailable(f"{entity_id} is unavailable: {entity.unavailable_reason}")
    return entity
