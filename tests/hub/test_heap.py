"""Freezing long-lived objects out of the cyclic GC happens once per process, not per hub."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from hub.heap import settle


async def test_later_hubs_do_not_freeze_the_garbage_of_earlier_ones(
    hub_factory: Callable[..., Any],
) -> None:
    """After the first hub, building and starting more hubs leaves the frozen set alone."""
    await hub_factory()  # the process's first hub (or a later one): both stages are done
    frozen = gc.get_freeze_count()
    assert frozen > 0
    for _ in range(3):
        h = await hub_factory()
        for n in range(200):
            h.hub.states.set(f"sensor.heap_{n}", str(n))
        await h.hub.stop()
    assert gc.get_freeze_count() <= frozen  # frozen objects may still be freed by refcount
    assert settle("created") is False and settle("started") is False
