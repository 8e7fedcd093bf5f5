"""Durations that are templates: `delay: "{{ pause }}"`, `for: {minutes: "{{ n }}"}`.

Validated when the config loads (template syntax), rendered when the run (or the trigger)
needs the value; a value that does not render to a duration is a `DurationError` naming the
field, recorded in the trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .template import Template, TemplateError, compile_complex, is_template, render_complex
from .timeparse import parse_duration

__all__ = ["DurationError", "DurationTemplate", "parse_duration_or_template", "seconds_of"]


class DurationError(TemplateError):
    """A templated duration rendered to something that is not a duration."""


class DurationTemplate:
    """A duration given as a template string or as a mapping with templated amounts."""

    __slots__ = ("value",)

    def __init__(self, value: Template | dict[str, Any]) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"DurationTemplate({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DurationTemplate) and other.source == self.source

    def __hash__(self) -> int:
        return hash(repr(self.source))

    @property
    def source(self) -> Any:
        """Return the value as written (template source, or the mapping of sources)."""
        if isinstance(self.value, Template):
            return self.value.source
        return {k: v.source if isinstance(v, Template) else v for k, v in self.value.items()}

    def render(self, variables: Mapping[str, Any], field: str) -> float:
        """Render to seconds; DurationError naming `field` if that is not a duration."""
        try:
            rendered = render_complex(self.value, variables)
        except TemplateError as exc:
            raise DurationError(f"{field}: {exc}") from None
        try:
            return parse_duration(rendered)
        except ValueError as exc:
            raise DurationError(
                f"{field}: the template gave {rendered!r}, which is not a duration ({exc})"
            ) from None


def parse_duration_or_template(value: Any) -> float | DurationTemplate:
    """Return seconds, or a DurationTemplate when the value (or a mapping amount) is templated.

    Raise ValueError for a bad duration or a template syntax error.
    """
    if is_template(value):
        return DurationTemplate(Template(value))
    if isinstance(value, dict) and any(is_template(v) for v in value.values()):
        compiled: dict[str, Any] = compile_complex(value)
        # Check the fixed part now: unknown units and non-numbers are config errors.
        parse_duration({k: 0 if isinstance(v, Template) else v for k, v in compiled.items()})
        return DurationTemplate(compiled)
    return parse_duration(value)


def seconds_of(value: float | DurationTemplate, variables: Mapping[str, Any], field: str) -> float:
    """Return a duration's seconds, rendering it first if it is a template."""
    if isinstance(value, DurationTemplate):
        return value.render(variables, field)
    return value
