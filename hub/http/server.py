"""The HTTP component: builds the aiohttp app from the registered routes and serves it."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from ..auth.audit import AuditLog
from ..auth.refusals import RefusalAudit
from ..auth.store import AuthStore
from ..bus import Event
from ..exceptions import (
    DeviceError,
    DeviceUnavailable,
    HubError,
    ServiceNotFound,
    ServiceValidationError,
)
from .config import HttpConfig
from .errors import ApiError, error_response
from .guard import ConnectionLimits, serve_guarded
from .routing import BODY_TIMEOUT_KEY, RouteRegistry, wrap
from .security import Authenticator
from .ws_access import WebSocketRegistry

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["HTTP_KEY", "HttpComponent"]

_GZIP_MIN = 2048
_BACKLOG = 128
HTTP_KEY: web.AppKey[HttpComponent] = web.AppKey("campus_http")


class HttpComponent:
    """The panel and API server of one hub (`hub.components[HTTP]`)."""

    def __init__(self, hub: Hub, config: HttpConfig, store: AuthStore,
                 registry: RouteRegistry) -> None:
        self.hub = hub
        self.config = config
        self.store = store
        self.registry = registry
        self.auth = Authenticator(store, config)
        self.audit_log = AuditLog()
        self.refusals = RefusalAudit(hub)
        self.app: web.Application | None = None
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._socket: socket.socket | None = None
        self.limits = ConnectionLimits(config.header_timeout, config.max_connections,
                                       config.max_connections_per_address,
                                       list(config.trusted_proxies))
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
        app[BODY_TIMEOUT_KEY] = self.config.body_timeout
        for route in self.registry.routes:
            app.router.add_route(route.method, route.path, wrap(self.hub, self.auth, route))
        self.app = app
        return app

    def bind(self) -> None:
        """Take the port now, at setup: a port in use stops the hub before it touches devices.

        Raise HubError naming the address (a second hub on the same port must exit, not run
        headless against the same database and devices).
        """
        host, port = self.config.host, self.config.port
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
            family = infos[0][0]
            sock = socket.create_server((host, port), family=family, backlog=_BACKLOG)
        except OSError as exc:
            raise HubError(f"http: cannot listen on {host}:{port}: {exc.strerror or exc}. "
                           f"Is another campus-hub running? Stop it or change http.port"
                           ) from None
        sock.setblocking(False)
        self._socket = sock
        self.port = sock.getsockname()[1]

    async def on_hub_started(self, _event: Event) -> None:
        """Start serving once every component and plugin has registered its routes."""
        if self._socket is None:
            self.bind()
        assert self._socket is not None
        cfg = self.config
        runner = web.AppRunner(self.build_app(), access_log=None, handler_cancellation=True,
                               keepalive_timeout=cfg.keepalive_timeout)
        await runner.setup()
        self._listener = await serve_guarded(runner, self._socket, self.limits, _BACKLOG)
        self._runner = runner
        _LOGGER.info("Panel and API on http://%s:%s/", self.config.host, self.port)
        self.hub.create_task(self.websockets.run(), name="http websocket access check")
        self.started.set()

    async def stop(self) -> None:
        """Close connections and stop listening."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()  # stop accepting; the runner's cleanup closes the connections
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if listener is not None:
            await listener.wait_closed()
        if self._socket is not None:
            self._socket.close()
            self._socket = None

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
            and isinstance(response.body, bytes) and len(response.body) > _GZIP_MIN
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
    except DeviceUnavailable as exc:
        return error_response(503, "device_unavailable", str(exc))
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
