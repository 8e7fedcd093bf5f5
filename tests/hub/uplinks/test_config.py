"""The `uplinks:` section: validated entry by entry through each type's model, file:line."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub.config import load_config
from hub.exceptions import ConfigError
from hub.plugins import PluginRegistry

from .toy import ToyConfig, toy_plugin


def _problems(registry: PluginRegistry, tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "site.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(ConfigError) as info:
        load_config(path, registry.config_models(), uplinks=registry.uplink_models())
    return info.value.problems


def test_entries_validated_by_their_type(register_plugin: Callable[..., Any],
                                         plugin_registry: PluginRegistry,
                                         tmp_path: Path) -> None:
    """A valid entry becomes its type's model, with the shared retry and backlog defaults."""
    register_plugin(toy_plugin(), "toy")
    path = tmp_path / "site.yaml"
    path.write_text("uplinks:\n  - type: toy\n    name: a\n    backlog: {max_items: 10}\n")
    config = load_config(path, plugin_registry.config_models(),
                         uplinks=plugin_registry.uplink_models())
    [entry] = config.sections["uplinks"]
    assert isinstance(entry, ToyConfig)
    assert entry.name == "a" and entry.backlog.max_items == 10 and entry.retry is None


def test_errors_name_file_line_and_field(register_plugin: Callable[..., Any],
                                         plugin_registry: PluginRegistry,
                                         tmp_path: Path) -> None:
    """Unknown type, bad field, missing type and a reused name: each with file:line."""
    register_plugin(toy_plugin(), "toy")
    problems = _problems(plugin_registry, tmp_path, """\
        uplinks:
          - type: toy
            name: a
          - type: toy
            name: b
            fail: sometimes
          - type: nosuch
            name: b
          - name: c
          - type: toy
            name: a
          - type: toy
            name: Bad Name
            backlog: {max_items: 0}
        """)
    text = "\n".join(problems)
    assert ("site.yaml:6: uplinks[1].fail: Input should be 'no', 'retry', 'reject' or "
            "'unavailable'") in text
    assert "(uplink type toy)" in text
    assert "site.yaml:7: uplinks[2].type: unknown uplink type 'nosuch'" in text
    assert "uplink types from the loaded plugins:" in text and "toy" in text
    assert "site.yaml:9: uplinks[3]: each uplink needs a 'type'" in text
    assert "site.yaml:11: uplinks[4].name: uplink name 'a' is used by uplinks[0]" in text
    assert "site.yaml:13: uplinks[5].name: String should match pattern" in text
    assert "site.yaml:14: uplinks[5].backlog.max_items:" in text
    assert len(problems) == 6


def test_section_must_be_a_list(plugin_registry: PluginRegistry, tmp_path: Path) -> None:
    """A mapping instead of a list says what is expected."""
    problems = _problems(plugin_registry, tmp_path, "uplinks:\n  type: toy\n")
    assert problems == ["%s:1: uplinks: must be a list of uplinks. Hint: each entry has a "
                        "type and a name" % (tmp_path / "site.yaml")]
