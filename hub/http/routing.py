"""Routes with their roles and models; how components add their own routes to the API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from ..auth.store import User
from ..hubkey import HTTP_ROUTES
from ..jsonutil import JsonInputError, dumps, loads_input
from .errors import ApiError, from_validation, status_of
from .security import PRINCIPAL_KEY, Authenticator, Principal, check_origin

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = [
    "BODY_TIMEOUT_KEY",
    "Route",
    "RouteRegistry",
    "body",
    "current_user",
    "json_response",
    "parse_json",
    "principal",
    "query",
    "read_body",
    "read_json",
    "register_routes",
    "route_registry",
]

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Handler = Callable[[web.Request], Awaitable[Any]]
_M = TypeVar("_M", bound=BaseModel)
#: Seconds a request body may take to arrive (`http.body_timeout`; set by the server).
BODY_TIMEOUT_KEY = web.AppKey("campus_body_timeout", float)
_BODY_KEY = web.RequestKey("campus_body", BaseModel)
_QUERY_KEY = web.RequestKey("campus_query", BaseModel)


@dataclass(frozen=True, slots=True)
class Route:
    """One HTTP route: method, path (aiohttp `{name}` syntax), handler, who may call it.

    The handler takes the aiohttp request and returns a `web.StreamResponse` or any
    JSON-ready value. `body` and `query` models validate the request before the handler
    runs (bad input is a 422 naming the field) and describe it in /api/openapi.json.
    """

    method: str
    path: str
    handler: Handler
    roles: frozenset[str] | None = None
    summary: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    tags: tuple[str, ...] = ()
    public: bool = False
    media_type: str = "application/json"
    audit: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def operation_id(self) -> str:
        """Return a unique name for the OpenAPI document."""
        cleaned = self.path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
        return f"{self.method.lower()}_{cleaned or 'root'}"


class RouteRegistry:
    """Routes collected before the HTTP server starts (it starts once the hub has started)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.frozen = False

    def add(self, routes: Iterable[Route], roles: Iterable[str] | None = None) -> None:
        """Add routes; `roles` applies to routes that name none (admin is always allowed)."""
        if self.frozen:
            raise RuntimeError("register HTTP routes in your component's setup or the plugin "
                               "startup hook: the HTTP server has started already")
        for route in routes:
            allowed = route.roles if route.roles is not None else frozenset(roles or ("admin",))
            route = replace(route, method=route.method.upper(),
                            roles=frozenset() if route.public else frozenset(allowed) | {"admin"})
            for known in self.routes:
                if (known.method, known.path) == (route.method, route.path):
                    raise ValueError(f"route {route.method} {route.path} is registered twice")
            self.routes.append(route)


def route_registry(hub: Hub) -> RouteRegistry:
    """Return the hub's route registry (created on first use)."""
    registry = hub.components.get(HTTP_ROUTES)
    if registry is None:
        registry = RouteRegistry()
        hub.components[HTTP_ROUTES] = registry
    return registry


def register_routes(hub: Hub, routes: Iterable[Route], roles: Iterable[str] | None = None) -> None:
    """Add routes to the hub's API; `roles` is the default for routes that name none."""
    route_registry(hub).add(routes, roles)


# ---------------------------------------------------------------------- request helpers


def principal(request: web.Request) -> Principal:
    """Return who made this request (only on routes that are not public)."""
    return request[PRINCIPAL_KEY]


def current_user(request: web.Request) -> User:
    """Return the user who made this request."""
    return request[PRINCIPAL_KEY].user


def body(request: web.Request, model: type[_M]) -> _M:
    """Return the validated body (the route's `body` model)."""
    value = request[_BODY_KEY]
    if not isinstance(value, model):
        raise TypeError(f"route body is {type(value).__name__}, not {model.__name__}")
    return value


def query(request: web.Request, model: type[_M]) -> _M:
    """Return the validated query (the route's `query` model)."""
    value = request[_QUERY_KEY]
    if not isinstance(value, model):
        raise TypeError(f"route query is {type(value).__name__}, not {model.__name__}")
    return value


def json_response(value: Any, status: int = 200) -> web.Response:
    """Return a JSON response that understands hub objects."""
    return web.Response(text=dumps(value), status=status, content_type="application/json")


# ---------------------------------------------------------------------- the wrapper


def wrap(hub: Hub, auth: Authenticator, route: Route) -> Handler:
    """Return the aiohttp handler: authenticate, check role and CSRF, validate, audit."""

    async def handle(request: web.Request) -> web.StreamResponse:
        who: Principal | None = None
        if route.method in UNSAFE:
            check_origin(request, hub.config.core.external_url)
        if not route.public:
            who = await auth.require(request, route.roles or frozenset({"admin"}),
                                     unsafe=route.method in UNSAFE)
            request[PRINCIPAL_KEY] = who
        status = 500
        try:
            if route.query is not None:
                request[_QUERY_KEY] = _validate(route.query, _query_dict(route.query, request),
                                                "query")
            if route.body is not None:
                browser = who is None or who.via == "session"  # tokens: any client, curl too
                request[_BODY_KEY] = _validate(route.body, await read_json(request, browser),
                                               "body")
            result = await route.handler(request)
            response = result if isinstance(result, web.StreamResponse) else json_response(
                result)
            status = response.status
            return response
        except Exception as exc:
            status = status_of(exc)
            raise
        finally:
            if who is not None and route.audit and route.method in UNSAFE:
                # Committed before the answer leaves (user and role changes...): issue 10.
                await hub.audit_committed(f"{route.method} {route.path}", target=request.path,
                                          details={"status": status, "via": who.via},
                                          context=who.context())

    handle.__name__ = route.operation_id
    return handle


def _validate(model: type[BaseModel], data: Any, prefix: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc, prefix) from None


def _query_dict(model: type[BaseModel], request: web.Request) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        info = model.model_fields.get(key)
        is_list = info is not None and "list" in str(info.annotation)
        out[key] = values if is_list else values[-1]
    return out


async def read_body(request: web.Request) -> bytes:
    """Return the request body; one that takes longer than `http.body_timeout` is a 408."""
    seconds = request.app.get(BODY_TIMEOUT_KEY, 30.0)
    try:
        async with asyncio.timeout(seconds):
            return await request.read()
    except TimeoutError:  # a client trickling its body in holds a connection (issue 10)
        raise ApiError(408, "request_timeout", f"body: did not arrive within {seconds:g} s",
                       [("body", "too slow")]) from None


async def read_json(request: web.Request, strict_type: bool = False) -> Any:
    """Return the parsed JSON body ({} when empty), checked strictly (see `parse_json`).

    With `strict_type` the body must be sent as `application/json`: a cross-site page can
    post `text/plain` without asking the browser first, but not JSON.
    """
    raw = await read_body(request)
    if not raw:
        return {}
    if strict_type and not _is_json_type(request.content_type):
        raise ApiError(415, "unsupported_media_type",
                       f"header.Content-Type: send the body as application/json, not "
                       f"{request.content_type}", [("header.Content-Type",
                                                    "expected application/json")])
    return parse_json(raw)


def parse_json(raw: bytes, root: str = "body") -> Any:
    """Parse a request body strictly (`hub.jsonutil.loads_input`); refusals are a 400.

    Not JSON or nested too deeply names the body; NaN, Infinity and text holding a lone
    surrogate (issue 10) name the field that holds them (`body.data.level`).
    """
    try:
        return loads_input(raw, root)
    except JsonInputError as exc:
        code = "invalid_json" if exc.field == root else "invalid_input"
        raise ApiError(400, code, str(exc), [(exc.field, exc.reason)]) from None


def _is_json_type(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json"))
