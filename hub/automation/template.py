"""Jinja2 templates in a sandbox: parsed when the config is validated, compiled once, cached.

Jinja2 itself is imported on the first template (see `sandbox`): a site whose automations hold
no template never imports it.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..states import StateMachine

__all__ = ["SecurityError", "Template", "TemplateError", "is_template", "render_complex",
           "template_globals"]


class TemplateError(Exception):
    """A template failed to render; the message names the template."""


class SecurityError(TemplateError):
    """The sandbox refused an access (private attribute, mutation, giant result)."""


_PARSED: set[str] = set()
_COMPILED: dict[str, Callable[[Mapping[str, Any]], str]] = {}


def _sandbox() -> ModuleType:
    """Return the sandbox module; the first call imports Jinja2."""
    from . import sandbox

    return sandbox


def is_template(value: object) -> bool:
    """Return whether a string holds Jinja2 syntax."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


class Template:
    """A template source, syntax-checked on creation and compiled on first render (cached)."""

    __slots__ = ("_compiled", "source")

    def __init__(self, source: str) -> None:
        if source not in _PARSED:
            _sandbox().parse(source)
            _PARSED.add(source)
        self.source = source
        self._compiled: Callable[[Mapping[str, Any]], str] | None = None

    def __repr__(self) -> str:
        return f"Template({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Template) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def render(self, variables: Mapping[str, Any]) -> str:
        """Render to a string; raise TemplateError (SecurityError for refused access)."""
        compiled = self._compiled
        if compiled is None:
            compiled = _COMPILED.get(self.source)
            if compiled is None:
                compiled = _COMPILED[self.source] = _sandbox().compile_template(self.source)
            self._compiled = compiled
        try:
            return compiled(variables)
        except Exception as exc:
            raise _sandbox().render_error(self.source, exc) from None

    def render_native(self, variables: Mapping[str, Any]) -> Any:
        """Render and turn a result that looks like a number, bool, list or dict into one."""
        return _native(self.render(variables))

    def render_bool(self, variables: Mapping[str, Any]) -> bool:
        """Render as a condition: true, yes, on, 1 and non-zero numbers are true."""
        text = self.render(variables).strip().lower()
        if text in ("true", "yes", "on", "enable"):
            return True
        try:
            return float(text) != 0
        except ValueError:
            return False


def _native(text: str) -> Any:
    stripped = text.strip()
    if not stripped or stripped[0] not in "-0123456789[{(TFN":
        return text
    try:
        value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    return value if not isinstance(value, str) else text


def compile_complex(value: Any) -> Any:
    """Turn every template string inside a nested value into a Template (once, at load)."""
    if is_template(value):
        return Template(value)
    if isinstance(value, dict):
        return {k: compile_complex(v) for k, v in value.items()}
    if isinstance(value, list):
        return [compile_complex(v) for v in value]
    return value


def has_template(value: Any) -> bool:
    """Return whether a compiled nested value holds any Template."""
    if isinstance(value, Template):
        return True
    if isinstance(value, dict):
        return any(has_template(v) for v in value.values())
    if isinstance(value, list):
        return any(has_template(v) for v in value)
    return False


def render_complex(value: Any, variables: Mapping[str, Any]) -> Any:
    """Render every Template inside a nested value to native values."""
    if isinstance(value, Template):
        return value.render_native(variables)
    if isinstance(value, dict):
        return {k: render_complex(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [render_complex(v, variables) for v in value]
    return value


def template_globals(states: StateMachine, tz: dt.tzinfo) -> dict[str, Callable[..., Any]]:
    """Return the functions every template sees: states, state_attr, is_state, now."""

    def state_of(entity_id: str) -> str:
        state = states.get(entity_id)
        return state.state if state is not None else "unknown"

    def state_attr(entity_id: str, name: str) -> Any:
        state = states.get(entity_id)
        return state.attributes.get(name) if state is not None else None

    def is_state(entity_id: str, value: str | list[str]) -> bool:
        state = states.get(entity_id)
        if state is None:
            return False
        return state.state in value if isinstance(value, list) else state.state == value

    def now() -> dt.datetime:
        return dt.datetime.now(tz)

    return {"states": state_of, "state_attr": state_attr, "is_state": is_state, "now": now}
