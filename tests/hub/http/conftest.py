"""Fixtures: a running hub with the API and users of every role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from .helpers import Api, register_test_devices, start_api


@pytest.fixture
async def api(hub_factory: Any, tmp_path: Path, register_plugin: Any) -> AsyncIterator[Api]:
    """A started hub with the HTTP component, a token per role, and a client session."""
    register_test_devices(register_plugin)
    running = await start_api(hub_factory, tmp_path)
    async with aiohttp.ClientSession() as session:
        running.session = session
        yield running

# Import Alembic and zeroconf outside the event loop (their imports read files, which
# blockbuster flags when a component is first resolved inside the loop).
import hub.discovery  # noqa: E402
import hub.recorder.component  # noqa: E402, F401
