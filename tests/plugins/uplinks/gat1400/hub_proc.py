"""A hub in its own process for the kill -9 test: `python -m ... DATA_DIR URL [N]`.

Starts a hub (recorder on SQLite in DATA_DIR) with the gat1400 uplink pointed at URL;
with N, stores N captures and fires `face_captured` for each, as hub/recognition does; then
runs until killed. Prints "ready" once the captures are fired.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from hub.testing.harness import make_hub

from .test_api import jpeg, uplink_yaml

HUB = 'hub: {time_zone: UTC, data_dir: "%s"}\nrecorder: {commit_interval: 0.05}\n'


async def main(data: Path, url: str, count: int) -> None:
    harness = await make_hub(data, HUB % data + uplink_yaml(
        url, retry="{initial_delay: 0.05, max_delay: 0.2, concurrency: 1}"))
    hub = harness.hub
    for n in range(count):
        crop = await hub.snapshots.save(jpeg(64, 80, n), "camera.gate", kind="face_crop")
        scene = await hub.snapshots.save(jpeg(320, 180, n + 1), "camera.gate",
                                         kind="face_capture")
        hub.bus.fire("face_captured", {
            "capture_id": f"{n:032x}", "camera": "camera.gate", "gate": None,
            "time": time.time() + n, "scene_snapshot_id": scene, "crop_snapshot_id": crop,
            "box": [10, 10, 50, 70], "match": None, "track_id": None})
    await asyncio.sleep(0.5)   # appended durably by the outbox
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3
                     else 0))
