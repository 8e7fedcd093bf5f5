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
