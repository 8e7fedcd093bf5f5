"""GA/T 1400 tests: the views-library double (viid_double.py, written from GA/T 1400.4)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .viid_double import ViidDouble


@pytest.fixture
async def platform() -> AsyncIterator[ViidDouble]:
    """The police views library on 127.0.0.1, in its default zone (UTC+8, test_api.ZONE)."""
    double = ViidDouble()
    await double.start()
    yield double
    await double.stop()
