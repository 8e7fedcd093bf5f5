"""Templates: sandboxed Jinja2 with states(), state_attr(), is_state(), now() and trigger."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hub.automation.template import (
    SecurityError,
    Template,
    TemplateError,
    render_complex,
    template_globals,
)
from hub.bus import EventBus
from hub.states import StateMachine


@pytest.fixture
def variables() -> dict[str, Any]:
    """Template variables over a small state machine with one gate."""
    states = StateMachine(EventBus(spawn=lambda coro, name: coro.close()))
    states.set("gate.main", "open", {"friendly_name": "Main", "width": 4})
    return {**template_globals(states, dt.UTC), "trigger": {"entity_id": "gate.main"}}


def test_hub_functions(variables: dict[str, Any]) -> None:
    """states, state_attr, is_state, now and trigger are available in templates."""
    text = ("{{ states('gate.main') }} {{ state_attr('gate.main', 'width') }} "
            "{{ is_state('gate.main', 'open') }} {{ states('gate.none') }} "
            "{{ trigger.entity_id }} {{ now().year > 2000 }}")
    assert Template(text).render(variables) == "open 4 True unknown gate.main True"


def test_native_results(variables: dict[str, Any]) -> None:
    """Rendered numbers, booleans and lists come back as values; other text stays text."""
    data = {"n": Template("{{ 1 + 2 }}"), "ok": Template("{{ 1 < 2 }}"),
            "l": [Template("{{ [1, 2] }}")], "s": Template("gate {{ 1 }}"), "plain": 5}
    assert render_complex(data, variables) == {"n": 3, "ok": True, "l": [[1, 2]],
                                               "s": "gate 1", "plain": 5}


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ states.__globals__ }}",
    "{{ trigger.__class__.__subclasses__() }}",
    "{{ now.__code__ }}",
    "{% set x = [] %}{{ x.append(1) }}",
    "{{ 'a' * 1000000 }}",
    "{{ 10 ** 100000 }}",
])
def test_sandbox_refuses_unsafe_access(variables: dict[str, Any], source: str) -> None:
    """Private attributes, mutation and giant results are refused by the sandbox."""
    with pytest.raises(SecurityError):
        Template(source).render(variables)


@pytest.mark.parametrize("source", [
    "{{ '%999999999d' % 1 }}",
    "{{ '%.999999999f' % 1.5 }}",
    "{{ '%*d' % (999999999, 1) }}",
    "{{ '%(n)999999999s' % {'n': 1} }}",
    "{{ '%999999999d' | format(1) }}",
    "{{ '{:999999999}'.format(1) }}",
    "{{ '{:>{}}'.format(1, 999999999) }}",
    "{{ '{n:999999999}'.format_map({'n': 1}) }}",
    "{{ 'a'.center(999999999) }}",
    "{{ 'a'.ljust(10 ** 9) }}",
    "{{ 'a'.zfill(999999999) }}",
    "{{ 'a' | center(999999999) }}",
    "{{ 'a\nb' | indent(999999999) }}",
])
def test_sandbox_limits_formatting_sizes(variables: dict[str, Any], source: str) -> None:
    """String formatting is bounded like * and **: a 1 GB width is refused, not allocated."""
    with pytest.raises(SecurityError):
        Template(source).render(variables)


def test_ordinary_formatting_still_works(variables: dict[str, Any]) -> None:
    """Everyday formats render as before."""
    text = ("{{ '%05.1f' % 3.14159 }} {{ '%s-%d' | format('a', 2) }} {{ '{:>6}'.format('x') }}"
            " {{ 'ab'.center(6) }} {{ '{:{}}'.format('y', 3) }}|")
    assert Template(text).render(variables) == "003.1 a-2      x   ab   y  |"


def test_render_error_names_template(variables: dict[str, Any]) -> None:
    """A template failing at render time raises TemplateError quoting its source."""
    with pytest.raises(TemplateError, match=r"trigger\.nothing"):
        Template("{{ trigger.nothing + 1 }}").render(variables)


def test_syntax_error_is_value_error() -> None:
    """A template with bad syntax is refused when created (config validation time)."""
    with pytest.raises(ValueError, match="template syntax error"):
        Template("{{ states('x') ")


def test_compiled_once(variables: dict[str, Any]) -> None:
    """Templates with the same source share one compiled template."""
    first, second = Template("{{ 40 + 2 }}"), Template("{{ 40 + 2 }}")
    assert first.render(variables) == second.render(variables) == "42"
    assert first._compiled is second._compiled
