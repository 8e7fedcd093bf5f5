"""JSON errors: every failure is `{"error", "message", "errors": [{"field", "message"}]}`."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from ..jsonutil import dumps
from ..services import format_errors

__all__ = ["ApiError", "error_response", "from_validation", "status_of"]


class ApiError(Exception):
    """An error answered as JSON with an HTTP status."""

    def __init__(self, status: int, code: str, message: str,
                 errors: list[tuple[str, str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []
        self.headers = headers or {}

    def response(self) -> web.Response:
        """Return the error as a JSON response."""
        return error_response(self.status, self.code, self.message, self.errors, self.headers)


def error_response(status: int, code: str, message: str,
                   errors: list[tuple[str, str]] | None = None,
                   headers: dict[str, str] | None = None) -> web.Response:
    """Build a JSON error response."""
    body: dict[str, Any] = {"error": code, "message": message,
                            "errors": [{"field": f, "message": m} for f, m in errors or []]}
    return web.Response(status=status, text=dumps(body), content_type="application/json",
                        headers=headers)


def from_validation(exc: ValidationError, prefix: str) -> ApiError:
    """Turn a pydantic error into a 422 naming each field as `prefix.path`."""
    errors = [(f"{prefix}.{path}" if path != "(data)" else prefix, msg)
              for path, msg in format_errors(exc)]
    message = "; ".join(f"{field}: {msg}" for field, msg in errors)
    return ApiError(422, "invalid_input", message, errors)


def status_of(exc: BaseException) -> int:
    """Return the HTTP status an exception is answered with (see the error middleware)."""
    from ..exceptions import (
        DeviceError,
        DeviceUnavailable,
        ServiceNotFound,
        ServiceValidationError,
    )

    if isinstance(exc, ApiError):
        return exc.status
    if isinstance(exc, web.HTTPException):
        return exc.status
    for kind, status in ((ServiceNotFound, 404), (ServiceValidationError, 422),
                         (DeviceUnavailable, 503), (DeviceError, 502), (TimeoutError, 504)):
        if isinstance(exc, kind):
            return status
    return 500
