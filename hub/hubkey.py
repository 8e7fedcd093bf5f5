"""Typed component keys: `hub.components[RECORDER]` is a `Recorder` to the type checker.

Like aiohttp's `web.AppKey`: a component module stores itself under its key
(`hub.components[RECORDER] = recorder`) and readers get the type without a cast or a
`getattr` probe. The keys live here, typed by name only (no component is imported), so
reading one costs nothing. Lookups by the plain name (`hub.components["recorder"]`) keep
working for code not yet moved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from .automation.component import AutomationComponent
    from .automation.schedule import Schedules
    from .discovery.scanner import DiscoveryService
    from .duty.log import DutyLog
    from .http.routing import RouteRegistry
    from .http.server import HttpComponent
    from .liveview import LiveViewComponent
    from .recognition.service import FaceService
    from .recorder.component import Recorder
    from .recorder.db import Database
    from .selfcheck.component import SelfCheck
    from .uplinks.manager import UplinkManager
    from .visitors.log import VisitorLog

__all__ = ["AUTH_DATABASE", "AUTOMATION", "DISCOVERY", "DUTY", "HTTP", "HTTP_ROUTES",
           "LIVE_VIEW", "RECOGNITION", "RECOGNITION_ERROR", "RECORDER", "SCHEDULES",
           "SELF_CHECK", "UPLINKS", "VISITORS", "Components", "HubKey"]

_T = TypeVar("_T")


class HubKey(Generic[_T]):
    """The typed key of one component in `hub.components`."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"HubKey({self.name!r})"


class Components(dict[str, Any]):
    """The hub's running components by name; typed through a HubKey."""

    @overload
    def __getitem__(self, key: HubKey[_T]) -> _T: ...
    @overload
    def __getitem__(self, key: str) -> Any: ...
    def __getitem__(self, key: HubKey[Any] | str) -> Any:
        return super().__getitem__(key.name if isinstance(key, HubKey) else key)

    def __setitem__(self, key: HubKey[Any] | str, value: Any) -> None:
        super().__setitem__(key.name if isinstance(key, HubKey) else key, value)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key.name if isinstance(key, HubKey) else key)

    @overload
    def get(self, key: HubKey[_T], default: None = None) -> _T | None: ...
    @overload
    def get(self, key: str, default: Any = None) -> Any: ...
    def get(self, key: HubKey[Any] | str, default: Any = None) -> Any:
        return super().get(key.name if isinstance(key, HubKey) else key, default)


RECORDER: HubKey[Recorder] = HubKey("recorder")
HTTP: HubKey[HttpComponent] = HubKey("http")
RECOGNITION: HubKey[FaceService] = HubKey("recognition")
VISITORS: HubKey[VisitorLog] = HubKey("visitors")
SCHEDULES: HubKey[Schedules] = HubKey("schedules")
AUTOMATION: HubKey[AutomationComponent] = HubKey("automation")
DISCOVERY: HubKey[DiscoveryService] = HubKey("discovery")
LIVE_VIEW: HubKey[LiveViewComponent] = HubKey("live_view")
UPLINKS: HubKey[UplinkManager] = HubKey("uplinks")
DUTY: HubKey[DutyLog] = HubKey("duty")
SELF_CHECK: HubKey[SelfCheck] = HubKey("self_check")
#: why face recognition is not running (its setup failed), for the API and the panel
RECOGNITION_ERROR: HubKey[str] = HubKey("recognition_error")
#: the panel's routes, registered by any component (hub/http/routing.py)
HTTP_ROUTES: HubKey[RouteRegistry] = HubKey("http.routes")
#: the panel's own database when the recorder's is not used (hub/auth/database.py)
AUTH_DATABASE: HubKey[Database] = HubKey("http.database")
