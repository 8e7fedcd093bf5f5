"""Campus Hub: an open integration hub for school gate security."""

from .alarm import AlarmConfig, AlarmInput, AlarmState
from .bus import MATCH_ALL, Context, Event, EventBus
from .camera import Camera, CameraState, Frame
from .declarations import DiscoveryMatcher, ServiceSpec
from .device import Device
from .entity import DeviceConfig, Entity, EntityServiceData, Platform, slugify
from .entity_services import EntityService
from .exceptions import (
    ConfigError,
    DeviceAuthError,
    DeviceError,
    DeviceUnavailable,
    HubError,
    IncidentError,
    PluginError,
    ServiceError,
    ServiceNotFound,
    ServiceValidationError,
    SetupRetry,
    UplinkRejected,
    UplinkRetry,
    UplinkUnavailable,
)
from .gate import Gate, GateState
from .hookspecs import hookimpl
from .hub import Hub
from .incidents import CategoryConfig, Incident, IncidentStatus, Priority, localized_message
from .kinds import DeviceKind
from .notify import (
    Notification,
    Notifier,
    NotifyConfig,
    NotifyRateConfig,
    NotifyRejected,
    NotifyRetry,
)
from .sensor import Sensor
from .services import ServiceCall
from .speaker import Speaker
from .states import State, StateMachine
from .switch import Switch, SwitchState
from .uplinks import SUBSCRIPTIONS, BacklogConfig, Uplink, UplinkConfig, UplinkItem
from .version import HUB_VERSION

__version__ = HUB_VERSION

__all__ = [
    "MATCH_ALL",
    "SUBSCRIPTIONS",
    "AlarmConfig",
    "AlarmInput",
    "AlarmState",
    "BacklogConfig",
    "Camera",
    "CameraState",
    "CategoryConfig",
    "ConfigError",
    "Context",
    "Device",
    "DeviceAuthError",
    "DeviceConfig",
    "DeviceError",
    "DeviceKind",
    "DeviceUnavailable",
    "DiscoveryMatcher",
    "Entity",
    "EntityService",
    "EntityServiceData",
    "Event",
    "EventBus",
    "Frame",
    "Gate",
    "GateState",
    "Hub",
    "HubError",
    "Incident",
    "IncidentError",
    "IncidentStatus",
    "Notification",
    "Notifier",
    "NotifyConfig",
    "NotifyRateConfig",
    "NotifyRejected",
    "NotifyRetry",
    "Platform",
    "PluginError",
    "Priority",
    "Sensor",
    "ServiceCall",
    "ServiceError",
    "ServiceNotFound",
    "ServiceSpec",
    "ServiceValidationError",
    "SetupRetry",
    "Speaker",
    "State",
    "StateMachine",
    "Switch",
    "SwitchState",
    "Uplink",
    "UplinkConfig",
    "UplinkItem",
    "UplinkRejected",
    "UplinkRetry",
    "UplinkUnavailable",
    "__version__",
    "hookimpl",
    "localized_message",
    "slugify",
]
