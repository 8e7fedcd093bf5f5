"""Errors raised by Campus Hub.

HubError
 +-- ConfigError                 configuration is wrong; carries every problem found
 +-- PluginError
 |    +-- ManifestError          a plugin's manifest.json is missing or invalid
 |    +-- PluginValidationError  a hook implementation does not match its spec
 +-- ServiceError
 |    +-- ServiceNotFound        no such service
 |    +-- ServiceValidationError the caller's data is wrong (a user mistake, no traceback)
 +-- IncidentError               an incident operation is not allowed (unknown id, resolved twice)
 +-- DeviceError
 |    +-- DeviceUnavailable      the device does not answer
 |    +-- DeviceAuthError        the device refused our credentials
 +-- SetupRetry                  transient setup failure, retried with backoff
 +-- UplinkError
      +-- UplinkRetry            a delivery failed for now; retried with backoff
      +-- UplinkRejected         the receiver refused an item for good: a dead letter
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DeviceAuthError",
    "DeviceError",
    "DeviceUnavailable",
    "HubError",
    "IncidentError",
    "ManifestError",
    "PluginError",
    "PluginValidationError",
    "ServiceError",
    "ServiceNotFound",
    "ServiceValidationError",
    "SetupRetry",
    "UplinkError",
    "UplinkRejected",
    "UplinkRetry",
    "UplinkUnavailable",
]


class HubError(Exception):
    """Base of every Campus Hub error."""


class ConfigError(HubError):
    """Configuration is invalid; `problems` lists each as 'file:line: path: message'."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class PluginError(HubError):
    """A plugin could not be loaded or misbehaved."""


class ManifestError(PluginError):
    """A plugin's manifest.json is missing or invalid."""


class PluginValidationError(PluginError):
    """A hook implementation does not match its specification."""


class ServiceError(HubError):
    """A service call failed."""


class ServiceNotFound(ServiceError):
    """The service does not exist."""

    def __init__(self, domain: str, service: str) -> None:
        self.domain = domain
        self.service = service
        super().__init__(f"service {domain}.{service} not found")


class ServiceValidationError(ServiceError):
    """The data given to a service is wrong; `errors` holds (field path, message) pairs."""

    def __init__(self, message: str, errors: list[tuple[str, str]] | None = None) -> None:
        self.errors = errors or []
        super().__init__(message)


class IncidentError(ServiceValidationError):
    """An incident operation is not allowed in the incident's current state."""


class DeviceError(HubError):
    """A device failed."""


class DeviceUnavailable(DeviceError):
    """The device does not answer."""


class DeviceAuthError(DeviceError):
    """The device refused our credentials."""


class SetupRetry(HubError):
    """Setup failed for a transient reason; the hub retries with backoff."""


class UplinkError(HubError):
    """An uplink could not deliver an item."""


class UplinkRetry(UplinkError):
    """A transient delivery failure: the outbox retries with backoff and probes the uplink."""


class UplinkUnavailable(UplinkRetry):
    """The uplink's own link is down (not connected): the item waits without using up one of
    its attempts, so a long outage never turns the backlog into dead letters; the uplink calls
    the manager's wake() when the link is back."""


class UplinkRejected(UplinkError):
    """The receiver refused the item for good: it becomes a dead letter (requeue to retry)."""
