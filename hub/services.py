"""The service registry: named actions with a pydantic schema for their data."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from .bus import Context, EventBus
from .exceptions import ServiceNotFound, ServiceValidationError
from .fieldpath import format_path
from .privacy import redact

_LOGGER = logging.getLogger(__name__)

__all__ = ["EVENT_SERVICE_CALLED", "Service", "ServiceCall", "ServiceRegistry", "format_errors"]

EVENT_SERVICE_CALLED = "service_called"


@dataclass(slots=True, frozen=True)
class ServiceCall:
    """One call of a service: validated data and who asked."""

    domain: str
    service: str
    data: Any
    context: Context
    raw: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[ServiceCall], Awaitable[Any] | Any]


@dataclass(slots=True)
class Service:
    """A registered service."""

    domain: str
    name: str
    handler: Handler
    schema: type[BaseModel] | None
    description: str = ""
    roles: frozenset[str] = frozenset({"admin"})

    def describe(self) -> dict[str, Any]:
        """Return a JSON-ready description with the data schema."""
        return {
            "domain": self.domain,
            "service": self.name,
            "description": self.description,
            "roles": sorted(self.roles),
            "schema": self.schema.model_json_schema() if self.schema else None,
        }


def format_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """Turn a pydantic error into (field path, message) pairs."""
    return [(format_path(err["loc"]) or "(data)", err["msg"]) for err in exc.errors()]


class ServiceRegistry:
    """Holds services by `domain.name`; validates data before the handler runs."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._services: dict[str, Service] = {}

    def register(
        self,
        domain: str,
        name: str,
        handler: Handler,
        schema: type[BaseModel] | None = None,
        description: str = "",
        roles: Iterable[str] = ("admin",),
    ) -> None:
        """Register `domain.name`; replaces an earlier registration."""
        self._services[f"{domain}.{name}"] = Service(
            domain, name, handler, schema, description or (handler.__doc__ or "").strip(),
            frozenset(roles) | {"admin"},
        )

    def has(self, domain: str, name: str) -> bool:
        """Return whether `domain.name` exists."""
        return f"{domain}.{name}" in self._services

    def get(self, domain: str, name: str) -> Service:
        """Return the service or raise ServiceNotFound."""
        try:
            return self._services[f"{domain}.{name}"]
        except KeyError:
            raise ServiceNotFound(domain, name) from None

    def all(self) -> list[Service]:
        """Return every registered service."""
        return list(self._services.values())

    def validate(self, domain: str, name: str, data: dict[str, Any] | None) -> Any:
        """Validate data against the service's schema; raise ServiceValidationError."""
        service = self.get(domain, name)
        data = data or {}
        if service.schema is None:
            return data
        try:
            return service.schema.model_validate(data)
        except ValidationError as exc:
            errors = format_errors(exc)
            detail = "; ".join(f"{path}: {msg}" for path, msg in errors)
            raise ServiceValidationError(
                f"invalid data for {domain}.{name}: {detail}", errors
            ) from None

    async def call(
        self,
        domain: str,
        name: str,
        data: dict[str, Any] | None = None,
        context: Context | None = None,
        timeout: float | None = 30.0,
    ) -> Any:
        """Validate and run a service; return what the handler returned."""
        service = self.get(domain, name)
        validated = self.validate(domain, name, data)
        ctx = context or Context()
        # Listeners (the recorder, WebSocket clients) get the data without secrets or ID numbers.
        self._bus.fire(EVENT_SERVICE_CALLED,
                       {"domain": domain, "service": name, "service_data": redact(data or {})},
                       ctx)
        call = ServiceCall(domain, name, validated, ctx, data or {})
        result = service.handler(call)
        if asyncio.iscoroutine(result) or isinstance(result, Awaitable):
            async with asyncio.timeout(timeout):
                result = await result
        return result
