"""The HTTP component: builds the aiohttp app from the registered routes and serves it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from ..auth.audit import AuditLog
from ..auth.store import AuthStore
from ..bus import Event
from ..exceptions import DeviceError, ServiceNotFound, ServiceValidationError
from .config import HttpConfig
from .errors import ApiError, error_response
from .routing import RouteRegistry, wrap
from .security import Authenticator
from .ws_access import WebSocketRegistry

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["HTTP_KEY", "HttpComponent"]

_GZIP_MIN = 2048
HTTP_KEY: web.AppKey[HttpComponent] = web.AppKey("campus_http")


class HttpComponent:
    """The panel and API server of one hub (`hub.components["http"]`)."""

    def __init__(self, hub: Hub, config: HttpConfig, store: AuthStore,
                 registry: RouteRegistry) -> None:
        self.hub = hub
        self.config = config
        self.store = store
        self.registry = registry
        self.auth = Authenticator(store, config)
        self.audit_log = AuditLog()
        self.app: web.Application | None = None
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self.started = asyncio.Event()
        #: Open WebSocket connections, closed when their credentials stop being valid.
        self.websockets = WebSocketRegistry(self.auth, config.auth.websocket_check_seconds)

    def close_user_websockets(self, user_name: str) -> int:
        """Close the WebSockets of a user whose access changed; return how many."""
        return self.websockets.close_where(lambda who: who.user.name == user_name,
                                           "access changed")

    def close_credential_websockets(self, key: str) -> int:
        """Close the WebSockets opened with one session (its hash) or token (its id)."""
        return self.websockets.close_where(lambda who: who.key == key, "credentials revoked")

    def build_app(self) -> web.Application:
        """Freeze the route registry and return the application."""
        self.registry.frozen = True
        app = web.Application(middlewares=[_gzip_middleware, _error_middleware],
                              client_max_size=2 * 1024 * 1024)
        app[HTTP_KEY] = self
        for route in self.registry.routes:
            app.router.add_route(route.method, route.path, wrap(self.hub, self.auth, route))
        self.app = app
        return app

    async def on_hub_started(self, _event: Event) -> None:
        """Start listening once every component and plugin has registered its routes."""
        runner = web.AppRunner(self.build_app(), access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        try:
            await site.start()
        except OSError as exc:
            _LOGGER.error("HTTP: cannot listen on %s:%s: %s", self.config.host, self.config.port,
                          exc)
            await runner.cleanup()
            return
        self._runner = runner
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.config.port
        _LOGGER.info("Panel and API on http://%s:%s/", self.config.host, self.port)
        self.hub.create_task(self.websockets.run(), name="http websocket access check")
        self.started.set()

    async def stop(self) -> None:
        """Close connections and stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """Return the base URL the server listens on."""
        return f"http://{self.config.host}:{self.port}"


@web.middleware
async def _gzip_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    response = await handler(request)
    # JSON lists (incidents, states) shrink ~10x; images and the panel's own files are skipped.
    if (isinstance(response, web.Response) and response.content_type == "application/json"
            and response.body is not None and len(response.body) > _GZIP_MIN  # type: ignore[arg-type]
            and "gzip" in request.headers.get("Accept-Encoding", "")):
        response.enable_compression(web.ContentCoding.gzip)
    return response


@web.middleware
async def _error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except ServiceNotFound as exc:
        return error_response(404, "not_found", str(exc))
    except ServiceValidationError as exc:
        errors = [(f"body.{f}" if f not in ("", "(data)") else "body", m) for f, m in exc.errors]
        return error_response(422, "invalid_input", str(exc), errors)
    except DeviceError as exc:
        return error_response(502, "device_error", f"the device failed: {exc}")
    except TimeoutError:
        return error_response(504, "timeout", "the device did not answer in time")
    except web.HTTPException as exc:
        if exc.status >= 400 and request.path.startswith("/api"):
            return error_response(exc.status, exc.reason.lower().replace(" ", "_"),
                                  f"{exc.reason}: {request.method} {request.path}",
                                  headers={k: v for k, v in exc.headers.items()
                                           if k.lower() == "allow"})
        raise
    except asyncio.CancelledError:
        raise
    except Exception:
        _LOGGER.exception("HTTP: %s %s failed", request.method, request.path)
        return error_response(500, "internal", "internal error; see the hub log")
