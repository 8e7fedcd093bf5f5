"""gc.freeze is the CLI's business: `campus-hub run` freezes the heap, the library does not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hub.heap import settle

ROOT = Path(__file__).resolve().parents[2]

_LIBRARY_HUB = """
import asyncio, gc, sys, tempfile
from pathlib import Path
from hub.testing.harness import make_hub

async def main():
    harness = await make_hub(Path(tempfile.mkdtemp()), "hub: {}\\n")
    frozen = gc.get_freeze_count()
    await harness.hub.stop()
    print("FROZEN", frozen)

asyncio.run(main())
"""


def test_a_hub_built_by_the_library_leaves_the_gc_alone() -> None:
    """Building and starting a hub from Python (not the CLI) freezes nothing."""
    done = subprocess.run([sys.executable, "-c", _LIBRARY_HUB], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "FROZEN 0" in done.stdout, done.stdout


def test_settle_freezes_once_per_stage() -> None:
    """The CLI's settle() freezes at most once per stage in a process."""
    settle("created")
    settle("started")
    assert settle("created") is False and settle("started") is False

