"""`also_categories`: incidents sent besides the forwarded categories (or `categories`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub import UplinkConfig
from hub.uplinks.provider import matches


async def test_also_categories_add_to_the_forwarded_or_listed_ones(
        hub_factory: Callable[..., Any]) -> None:
    """An off-post warning (not forwarded by default) goes up only where it is listed."""
    h = await hub_factory()
    off_post = await h.hub.incidents.raise_incident("guard_off_post", source="camera.gate")
    panic = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    plain = UplinkConfig(type="toy", name="plain")
    also = UplinkConfig(type="toy", name="also", also_categories=["guard_off_post"])
    listed = UplinkConfig(type="toy", name="listed", categories=["intrusion"],
                          also_categories=["guard_off_post"])
    assert [matches(h.hub, c, off_post) for c in (plain, also, listed)] == [False, True, True]
    assert [matches(h.hub, c, panic) for c in (plain, also, listed)] == [True, True, False]
