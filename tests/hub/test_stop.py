"""hub.stop() ends even when a background task loses its cancellation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

import hub.hub


async def test_a_task_that_ignores_its_cancellation_is_cancelled_again(
        hub_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A task that swallows one cancellation (what Python 3.11's asyncio.wait_for does when
    the awaited result comes in the same loop iteration) no longer hangs hub.stop(): it is
    named in the log with its stack and cancelled again."""
    monkeypatch.setattr(hub.hub, "_STOP_GRACE", 0.2)
    h = await hub_factory()
    cancellations = 0

    async def stubborn() -> None:
        nonlocal cancellations
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancellations += 1
                if cancellations > 1:
                    raise

    h.hub.create_task(stubborn(), name="stubborn loop")
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="hub.hub"):
        await asyncio.wait_for(h.hub.stop(), 5)  # waited forever before
    assert cancellations == 2
    warning = next(r for r in caplog.records if "did not end when cancelled" in r.message)
    assert "stubborn loop" in warning.getMessage() and "in stubborn" in warning.getMessage()
