"""Validation helpers: errors without pydantic's 'Value error, ' prefix."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic_core import PydanticCustomError

__all__ = ["checked", "invalid"]

_R = TypeVar("_R")


def invalid(message: str) -> PydanticCustomError:
    """Return a validation error whose message is shown as written."""
    return PydanticCustomError("value_error", message)


def checked(func: Callable[..., _R]) -> Callable[..., _R]:
    """Wrap a parser so its ValueError becomes a clean validation error."""

    @functools.wraps(func)
    def wrapper(*args: Any) -> _R:
        try:
            return func(*args)
        except ValueError as exc:
            raise invalid(str(exc)) from None

    return wrapper
