"""Shared test setup: loopback only, a blocking-call detector on the event loop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.prerequisites import require_faces

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def faces_dir() -> Path:
    """The LFW subset in data/faces."""
    return require_faces()


@pytest.fixture(autouse=True)
def _blockbuster(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test when the event loop blocks (blockbuster), unless the test opts out."""
    if request.node.get_closest_marker("allow_blocking"):
        yield
        return
    from blockbuster import blockbuster_ctx

    with blockbuster_ctx(["hub", "plugins", "simulators"]) as bb:
        # Why: logging to the pytest capture handler writes to a file from the loop thread.
        for name in list(bb.functions):
            if name.startswith(("io.", "os.write")) or "print" in name:
                bb.functions[name].can_block_in("logging/__init__.py", "emit")
        yield
