"""`campus-hub discover -c site.yaml`: the site's discovery: section, overridden by flags."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from hub.discovery.cli import _settings
from hub.exceptions import ConfigError
from hub.plugins import PluginRegistry


def _args(config: Path, **flags: object) -> argparse.Namespace:
    base: dict[str, object] = {"target": None, "interface": None, "timeout": None,
                               "multicast": False, "zeroconf": False}
    return argparse.Namespace(config=config, **{**base, **flags})


def test_site_section_then_flags(tmp_path: Path) -> None:
    """The file's probe targets and timeout are used; a flag given on the line wins."""
    site = tmp_path / "site.yaml"
    site.write_text("discovery:\n  probe_targets: ['127.0.0.1:3999']\n  timeout: 0.7\n")
    registry = PluginRegistry()
    registry.load_entry_points()
    settings = _settings(_args(site), registry)
    assert (settings.probe_targets, settings.timeout) == (["127.0.0.1:3999"], 0.7)
    assert _settings(_args(site, timeout=0.2), registry).timeout == 0.2
    site.write_text("discovery:\n  timeout: slow\n")
    with pytest.raises(ConfigError, match=r"site.yaml:2: discovery.timeout"):
        _settings(_args(site), registry)
