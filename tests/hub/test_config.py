"""Configuration: YAML with locations, tags, and every error at once."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from hub.cli import main
from hub.config import load_config
from hub.exceptions import ConfigError
from hub.plugins import PluginRegistry


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def models() -> dict[str, Any]:
    registry = PluginRegistry()
    registry.load_entry_points()
    return registry.config_models()


def test_every_error_reported_with_file_and_line(tmp_path: Path, models: dict[str, Any]) -> None:
    """A broken file reports each problem with file:line and field path."""
    path = _write(
        tmp_path / "site.yaml",
        """\
        hub:
          site: ok
        devices:
          - platform: acme_gate
            name: Main gate
            travel_seconds: slow
          - platform: nosuch
            name: X
          - platform: acme_button
            name: Panic
            colour: red
        """,
    )
    with pytest.raises(ConfigError) as err:
        load_config(path, models)
    problems = err.value.problems
    assert len(problems) == 3
    assert problems[0].startswith(f"{path}:6: devices[0].travel_seconds:")
    assert "unknown platform 'nosuch'" in problems[1] and "acme_gate" in problems[1]
    assert problems[1].startswith(f"{path}:7: devices[1].platform")
    assert problems[2].startswith(f"{path}:11: devices[2].colour: unknown option")


def test_duplicate_key_rejected(tmp_path: Path, models: dict[str, Any]) -> None:
    """A key given twice is an error naming both lines."""
    path = _write(tmp_path / "site.yaml", "hub:\n  site: a\n  site: b\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, models)
    assert "3: duplicate key 'site' (first at line 2)" in err.value.problems[0]


def test_secret_include_env(
    tmp_path: Path, models: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """!secret, !include and !env resolve; an included file keeps its own line numbers."""
    monkeypatch.setenv("SITE_ID", "north-school")
    _write(tmp_path / "secrets.yaml", "gate_name: Secret gate\n")
    _write(
        tmp_path / "devices.yaml",
        """\
        - platform: acme_gate
          name: !secret gate_name
        - platform: acme_gate
          name: Other
          travel_seconds: -1
        """,
    )
    path = _write(
        tmp_path / "site.yaml", "hub:\n  site: !env SITE_ID\ndevices: !include devices.yaml\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(path, models)
    where = f"{tmp_path / 'devices.yaml'}:5: devices[1].travel_seconds"
    assert err.value.problems[0].startswith(where)
    _write(tmp_path / "devices.yaml", "- platform: acme_gate\n  name: !secret gate_name\n")
    config = load_config(path, models)
    assert config.core.site == "north-school"
    assert config.devices[0].name == "Secret gate"


def test_missing_secret_and_env(tmp_path: Path, models: dict[str, Any]) -> None:
    """A missing secret or unset variable is an error with the line."""
    _write(tmp_path / "secrets.yaml", "a: 1\n")
    path = _write(tmp_path / "site.yaml", "hub:\n  name: !secret nope\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, models)
    assert ":2: !secret nope: not in secrets.yaml" in err.value.problems[0]


def test_unknown_section_lists_known(tmp_path: Path, models: dict[str, Any]) -> None:
    """An unknown top-level section names the known ones."""
    path = _write(tmp_path / "site.yaml", "hubb: {}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, models)
    assert "hubb: unknown section" in err.value.problems[0]
    assert "devices" in err.value.problems[0]


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`campus-hub check-config` exits 1 and prints each problem; 0 for a valid file."""
    bad = _write(tmp_path / "bad.yaml", "devices:\n  - platform: acme_gate\n")
    assert main(["check-config", str(bad)]) == 1
    assert "devices[0].name: Field required" in capsys.readouterr().out
    good = _write(tmp_path / "good.yaml", "devices:\n  - platform: acme_gate\n    name: G\n")
    assert main(["check-config", str(good)]) == 0


def test_unknown_time_zone(tmp_path: Path, models: dict[str, Any]) -> None:
    """An unknown time zone is a config error with its line, not a silent fallback to UTC."""
    path = _write(tmp_path / "site.yaml", "hub:\n  name: X\n  time_zone: Mars/Olympus\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, models)
    expected = ":3: hub.time_zone: Value error, unknown time zone 'Mars/Olympus'"
    assert expected in err.value.problems[0]


def test_notify_section_shape_errors(tmp_path: Path, models: dict[str, Any]) -> None:
    """notify: as a mapping, or an entry without a platform, is named with its line."""
    path = _write(tmp_path / "site.yaml", "notify:\n  platform: webhook\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, models, notifiers={})
    assert err.value.problems == [f"{path}:1: notify: must be a list of channels. Hint: each "
                                  "entry has a platform and a name"]
    path = _write(tmp_path / "site.yaml", "notify:\n  - name: a\n  - platform: pager\n"
                  "    name: b\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, models, notifiers={})
    assert err.value.problems == [
        f"{path}:2: notify[0]: each notify channel needs a 'platform'",
        f"{path}:3: notify[1].platform: unknown notify platform 'pager'. Hint: notify "
        "platforms from the loaded plugins: none loaded"]
