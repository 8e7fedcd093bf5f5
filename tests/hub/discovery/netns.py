"""Run a script inside a network namespace the test creates (multicast never leaves it)."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from tests.prerequisites import require_netns

__all__ = ["require_netns", "run_in_netns"]

ROOT = Path(__file__).resolve().parents[3]


async def _ip(*args: str) -> None:
    proc = await asyncio.create_subprocess_exec("ip", *args)
    assert await proc.wait() == 0, f"ip {' '.join(args)} failed"


async def run_in_netns(script: Path, timeout: float = 90) -> dict[str, Any]:
    """Run `script` with this interpreter in a fresh namespace (lo up, multicast routed).

    Returns the JSON object the script prints last.
    """
    ns = f"campus-{uuid.uuid4().hex[:8]}"
    await _ip("netns", "add", ns)
    try:
        await _ip("netns", "exec", ns, "ip", "link", "set", "lo", "up")
        await _ip("netns", "exec", ns, "ip", "link", "set", "lo", "multicast", "on")
        await _ip("netns", "exec", ns, "ip", "route", "add", "224.0.0.0/4", "dev", "lo")
        proc = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", ns, sys.executable, str(script),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    finally:
        await _ip("netns", "del", ns)
    assert proc.returncode == 0, err.decode()[-3000:]
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result
