"""The Jinja2 sandbox templates run in. Imported by `template` on the first template only.

Why a module of its own: importing Jinja2 costs about 0.1 s of CPU at start-up (measured by
bench/bench_core.py), and a site whose automations hold no template should never pay it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError as JinjaSecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .template import SecurityError, TemplateError

__all__ = ["ENV", "compile_template", "parse", "render_error"]

_MAX_RESULT = 100_000  # characters or items a single * or ** may produce

Render = Callable[[Mapping[str, Any]], str]


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox: no attribute starting with _, no mutation, bounded * and **."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator_name: str,
                   left: Any, right: Any) -> Any:
        """Refuse products and powers that would eat the hub's memory or time."""
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > 100:
                raise JinjaSecurityError("exponent too large")
            return operator.pow(left, right)
        sized = left if isinstance(left, str | list | tuple) else right
        count = right if sized is left else left
        if isinstance(sized, str | list | tuple) and isinstance(count, int) and (
                len(sized) * count > _MAX_RESULT):
            raise JinjaSecurityError("result too large")
        return operator.mul(left, right)


ENV = _Sandbox(undefined=jinja2.StrictUndefined, autoescape=False)


def parse(source: str) -> None:
    """Check a template's syntax; ValueError quoting the source if it is wrong."""
    try:
        ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ValueError(f"template syntax error: {exc.message} in {source!r}") from None


def compile_template(source: str) -> Render:
    """Compile a template in the sandbox; return its render function."""
    return ENV.from_string(source).render


def render_error(source: str, exc: Exception) -> Exception:
    """Return the hub's error for an exception raised while rendering `source`."""
    if isinstance(exc, JinjaSecurityError):
        return SecurityError(f"{source!r}: {exc}")
    if isinstance(exc, jinja2.TemplateError):
        return TemplateError(f"{source!r}: {exc}")
    return TemplateError(f"{source!r}: {type(exc).__name__}: {exc}")
