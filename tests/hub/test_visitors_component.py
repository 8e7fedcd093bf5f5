"""The visitor check is its own component: a top-level `visitors:` section, no panel needed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest


async def test_visitors_section_runs_without_the_panel(hub_factory: Callable[..., Any]) -> None:
    """`visitors:` alone sets up the visitor log and its services; its settings apply."""
    h = await hub_factory("visitors:\n  lockers: [A1, A2]\n  retention_days: 30\n")
    log = h.hub.components["visitors"]
    assert log.config.lockers == ["A1", "A2"] and log.config.retention_days == 30
    assert h.hub.services.get("visitor", "check_in") is not None


async def test_no_section_and_no_panel_means_no_visitor_log(
    hub_factory: Callable[..., Any],
) -> None:
    """A hub with neither the panel nor a visitors section opens no visitor database."""
    h = await hub_factory("hub: {}\n")
    assert "visitors" not in h.hub.components


async def test_the_old_place_under_http_still_works_with_a_warning(
    hub_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """`http: visitors:` is read for one release and says where it moved."""
    caplog.set_level(logging.WARNING, logger="hub.visitors")
    h = await hub_factory("http:\n  port: 0\n  visitors:\n    lockers: [B2]\n")
    assert h.hub.components["visitors"].config.lockers == ["B2"]
    assert "move it to a top-level `visitors:` section" in caplog.text


def test_a_hub_without_visitors_does_not_load_them() -> None:
    """Start-up cost: without the section and the panel, the visitor log's modules (its
    database layer, routes) are not even imported (bench_core start-up rows)."""
    import subprocess
    import sys
    from pathlib import Path

    code = """
import asyncio, sys, tempfile
from pathlib import Path
from hub.testing.harness import make_hub

async def main():
    harness = await make_hub(Path(tempfile.mkdtemp()), "recorder: {enabled: false}\\n")
    await harness.hub.stop()
    print("LOADED", "hub.visitors.component" in sys.modules, "sqlalchemy" in sys.modules)

asyncio.run(main())
"""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "LOADED False" in done.stdout, done.stdout
