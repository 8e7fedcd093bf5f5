"""Watch-list names and categories stay out of the INFO log (it is read by more people)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from hub.incidents import localized_message


async def test_watchlist_incident_not_named_at_info(hub_factory: Any,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """A watch-list match is logged by id, category and priority; the name only at DEBUG."""
    harness = await hub_factory("recorder:\n  enabled: false\n")
    message, text = localized_message("watchlist_match", name="Zhang Sanfeng",
                                      group="wanted_fugitive", camera="camera.gate")
    with caplog.at_level(logging.INFO):
        incident = await harness.hub.incidents.raise_incident(
            "watchlist_match", source="camera.gate/p123", message=message, data=text)
    info = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert incident.id in info and "watchlist_match" in info
    assert "Zhang Sanfeng" not in info and "wanted_fugitive" not in info
