"""Shared test setup: loopback only, a blocking-call detector on the event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from simulators.speaker import SpeakerSimulator
from tests.prerequisites import require_faces

#: the `browser` fixture of the panel and city console tests
pytest_plugins = ["tests.browser"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def faces() -> Path:
    """The LFW subset in data/faces."""
    return require_faces()


@pytest.fixture
def models_dir() -> Path:
    """The default face-model files (a skip naming the fix, or a failure under CI, without them)."""
    from tests.plugins.recognition.helpers import require_models

    return require_models()


@pytest.fixture
async def speaker() -> AsyncIterator[SpeakerSimulator]:
    """The simulated IP speaker on 127.0.0.1 (bearer token `tok`)."""
    sim = SpeakerSimulator(token="tok")
    await sim.start()
    yield sim
    await sim.stop()


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
