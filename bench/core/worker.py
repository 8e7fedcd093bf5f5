"""Run Campus Hub scenarios: `python -m bench.core.worker` reads jobs on stdin (see ha_bench.py).

The protocol is the Home Assistant side's: `{"jobs": [{"scenario": ..., "params": ...}]}` in,
one JSON line `{"scenario": ..., "result": ...}` out per job, each on a fresh event loop.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

Scenario = Callable[[dict[str, Any], Path], Coroutine[Any, Any, dict[str, Any]]]


def _scenarios() -> dict[str, Scenario]:
    from . import ours_automation, ours_bus, ours_recorder, ours_startup

    return {
        "events": ours_bus.events,
        "state_writes": ours_bus.state_writes,
        "latency": ours_automation.latency,
        "burst": ours_automation.burst,
        "startup": ours_startup.startup,
        "sustained": ours_recorder.sustained,
    }


def main() -> None:
    """Run the jobs read from stdin; print one JSON line per job."""
    logging.basicConfig(level=logging.ERROR)
    request = json.load(sys.stdin)
    jobs = request["jobs"]
    # start-up is measured in a process that has imported nothing of the hub yet
    scenarios = (
        _scenarios()
        if any(j["scenario"] != "startup" for j in jobs)
        else {"startup": _startup_only()}
    )
    for job in jobs:
        with tempfile.TemporaryDirectory(prefix="hub-bench-") as data_dir:
            result = asyncio.run(scenarios[job["scenario"]](job["params"], Path(data_dir)))
        print(json.dumps({"scenario": job["scenario"], "result": result}), flush=True)
        gc.collect()
    sys.stdout.flush()
    os._exit(0)  # same exit as the HA side: no interpreter teardown


def _startup_only() -> Scenario:
    from .ours_startup import startup

    return startup


if __name__ == "__main__":
    main()
