"""The OpenAPI 3.1 document, built from the same pydantic models that validate requests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .. import __version__
from .routing import Route

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["build_openapi"]

_REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"{(\w+)}")
_ERROR = {
    "type": "object",
    "required": ["error", "message", "errors"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "properties": {"field": {"type": "string"},
                                             "message": {"type": "string"}}}},
    },
}


def build_openapi(hub: Hub, routes: Iterable[Route]) -> dict[str, Any]:
    """Return the OpenAPI document for the routes and the registered services."""
    routes = [r for r in routes if not r.extra.get("hidden")]
    models = _models(hub, routes)
    key_map, defs = models_json_schema([(m, "validation") for m in models], ref_template=_REF)
    refs = {model: key_map[(model, "validation")] for model in models}
    schemas: dict[str, Any] = {**defs.get("$defs", {}), "Error": _ERROR}
    paths: dict[str, Any] = {}
    for route in routes:
        if route.extra.get("services"):
            _service_paths(hub, route, refs, paths)
            continue
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Campus Hub API", "version": __version__,
                 "description": "REST API of Campus Hub. Authenticate with "
                 "`Authorization: Bearer <token>` (tokens from the admin page) or a panel "
                 "session cookie plus the X-CSRF-Token header. Errors are "
                 "`{error, message, errors: [{field, message}]}`."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie",
                            "name": "campus_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }


def _models(hub: Hub, routes: list[Route]) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for route in routes:
        for model in (route.body, route.response):
            if model is not None and model not in found:
                found.append(model)
        if route.extra.get("services"):
            for service in hub.services.all():
                if service.schema is not None and service.schema not in found:
                    found.append(service.schema)
    return found


def _operation(route: Route, refs: dict[type[BaseModel], Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": list(route.tags),
        "x-roles": sorted(route.roles or ()),
        "parameters": _path_params(route.path) + _query_params(route.query),
        "responses": _responses(route, refs),
    }
    if route.public:
        op["security"] = []
    if route.body is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": refs[route.body]}}}
    elif media := route.extra.get("request_media"):
        op["requestBody"] = {"required": True, "content": {
            media: {"schema": {"type": "string", "format": "binary"}}}}
    return op


def _path_params(path: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True,
             "schema": {"type": "string", "minLength": 1, "pattern": r"^[^/]+$"}}
            for name in _PARAM.findall(path)]


def _query_params(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def _responses(route: Route, refs: dict[type[BaseModel], Any]) -> dict[str, Any]:
    if route.media_type != "application/json":
        ok: dict[str, Any] = {route.media_type: {"schema": {"type": "string",
                                                           "format": "binary"}}}
    elif route.response is not None:
        schema = refs[route.response]
        if route.extra.get("response_list"):
            schema = {"type": "array", "items": schema}
        ok = {"application/json": {"schema": schema}}
    else:
        ok = {"application/json": {"schema": {}}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    status = "201" if route.method == "POST" and route.extra.get("created") else "200"
    out: dict[str, Any] = {status: {"description": "OK", "content": ok}}
    for code, text in (("400", "Bad request"), ("401", "Not logged in"),
                       ("403", "Role not allowed"), ("404", "Not found"),
                       ("422", "Invalid input; `errors` names each field")):
        out[code] = {"description": text, "content": error}
    return out


def _service_paths(hub: Hub, route: Route, refs: dict[type[BaseModel], Any],
                   paths: dict[str, Any]) -> None:
    for service in sorted(hub.services.all(), key=lambda s: (s.domain, s.name)):
        path = f"/api/services/{service.domain}/{service.name}"
        schema = refs[service.schema] if service.schema is not None else {"type": "object"}
        op = {
            "operationId": f"service_{service.domain}_{service.name}",
            "summary": service.description or f"{service.domain}.{service.name}",
            "tags": ["services"],
            "x-roles": sorted(service.roles),
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": schema}}},
            "responses": _responses(route, refs),
        }
        paths[path] = {"post": op}
