"""The Jinja2 sandbox templates run in. Imported by `template` on the first template only.

Why a module of its own: importing Jinja2 costs about 0.1 s of CPU at start-up (measured by
bench/bench_core.py), and a site whose automations hold no template should never pay it.
"""

from __future__ import annotations

import operator
import re
import string
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jinja2
from jinja2.exceptions import FilterArgumentError
from jinja2.exceptions import SecurityError as JinjaSecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .template import SecurityError, TemplateError

__all__ = ["ENV", "compile_template", "parse", "render_error"]

_MAX_RESULT = 100_000  # characters or items a single * or ** may produce
#: A printf conversion's width and precision ("%9999999d", "%.*f").
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
#: str methods whose first argument is the width of the result.
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})

Render = Callable[[Mapping[str, Any]], str]


def _check_size(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_RESULT:
        raise JinjaSecurityError(f"{what} too large")


def _check_printf(text: str, args: Any) -> None:
    """Refuse %-formatting whose width or precision (given or taken by *) is too large."""
    values = args.values() if isinstance(args, Mapping) else (
        args if isinstance(args, tuple) else (args,))
    starred = False
    for width, precision in _PRINTF.findall(text):
        for number in (width, precision):
            if number == "*":
                starred = True
            elif number:
                _check_size(int(number), "format width")
    if starred:
        for value in values:
            _check_size(value, "format width")


def _check_format_specs(text: str, args: Iterable[Any]) -> None:
    """Refuse str.format fields whose width or precision is too large."""
    nested = False
    for _literal, _field, spec, _conversion in string.Formatter().parse(text):
        if not spec:
            continue
        if "{" in spec:
            nested = True
            _check_format_specs(spec, ())
        for number in re.findall(r"\d+", spec):
            _check_size(int(number), "format width")
    if nested:  # "{:{}}".format(x, 10**9): the width comes from an argument
        for value in args:
            _check_size(value, "format width")


def _format_filter(value: Any, *args: Any, **kwargs: Any) -> str:
    """Jinja's `format` filter (printf style) with bounded widths."""
    if args and kwargs:
        raise FilterArgumentError("can't handle positional and keyword arguments at "
                                         "the same time")
    text = str(value)
    params: Any = kwargs or args
    _check_printf(text, params)
    return str(text % params)


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox: no attribute starting with _, no mutation, bounded * and **, bounded
    formatting widths (%, str.format, format, center, ljust, rjust, zfill, indent)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters["format"] = _format_filter
        for name in ("center", "indent"):
            self.filters[name] = _bounded_filter(self.filters[name])

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """str.format / format_map, with each field's width checked before formatting."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text: str = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            given = [*args, *kwargs.values()]
            if value.__name__ == "format_map" and args and isinstance(args[0], Mapping):
                given = list(args[0].values())
            _check_format_specs(text, given)
            return wrapped(*args, **kwargs)

        return checked

    def call(__self, __context: jinja2.runtime.Context, __obj: Any,
             *args: Any, **kwargs: Any) -> Any:
        """Refuse str.center/ljust/rjust/zfill widths past the limit, then call."""
        if (getattr(__obj, "__name__", "") in _WIDTH_METHODS
                and isinstance(getattr(__obj, "__self__", None), str) and args):
            _check_size(args[0], "width")
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: jinja2.runtime.Context, operator_name: str,
                   left: Any, right: Any) -> Any:
        """Refuse products, powers and %-formats that would eat the hub's memory or time."""
        if operator_name == "%":
            if isinstance(left, str):
                _check_printf(left, right)
            return operator.mod(left, right)
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


def _bounded_filter(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter whose second argument is a width (center, indent)."""

    def bounded(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> Any:
        _check_size(width, "width")
        return original(value, width, *args, **kwargs)

    return bounded


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
