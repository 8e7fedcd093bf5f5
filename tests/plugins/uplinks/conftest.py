"""Fixtures for the uplink tests: the reference webhook receiver with switchable faults."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.hub.uplinks.receiver import FaultyReceiver, running_receiver


@pytest.fixture
async def receiver() -> AsyncIterator[FaultyReceiver]:
    """A verifying webhook receiver on 127.0.0.1 (plain HTTP)."""
    async with running_receiver() as front:
        yield front
