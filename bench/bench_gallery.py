"""Gallery refresh: what a running hub pays every `refresh_interval` to notice CLI changes.

    .venv/bin/python bench/bench_gallery.py [--people 5000] [--repeats 5]

Fills a throwaway SQLite database with N people, one photo each (a 512-float embedding),
then times the two reads a refresh can make: the change check (`GalleryStore.ids`, every
refresh) and the full read of rows and embeddings (`GalleryStore.load`, only when people
or photos were added or removed). Prints medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.recognition.models import FacePhoto, Person
from hub.recognition.store import GalleryStore
from hub.recorder.db import Database
from hub.recorder.migrate import upgrade_heads_blocking


async def _fill(db: Database, people: int) -> None:
    rng = np.random.default_rng(0)
    async with db.session() as session, session.begin():
        for i in range(people):
            person_id = os.urandom(16).hex()
            session.add(Person(id=person_id, name=f"Pupil {i}", list_name="allow",
                               group="students"))
            embedding = rng.standard_normal(512).astype("<f4").tobytes()
            session.add(FacePhoto(id=os.urandom(16).hex(), person_id=person_id,
                                  platform="onnx_face", face_id=os.urandom(8).hex(),
                                  file=f"{i}.jpg", embedding=embedding, quality={}))


async def _median_ms(call: Callable[[], Awaitable[object]], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2] * 1000


async def main(people: int, repeats: int) -> None:
    """Fill the gallery and print the figures."""
    with tempfile.TemporaryDirectory(prefix="gallery-bench-") as folder:
        url = f"sqlite+aiosqlite:///{folder}/gallery.db"
        await asyncio.to_thread(upgrade_heads_blocking, url)
        db = await asyncio.to_thread(Database, url)
        try:
            await _fill(db, people)
            store = GalleryStore(db, Path(folder))
            check = await _median_ms(store.ids, repeats)
            full = await _median_ms(store.load, repeats)
        finally:
            await db.close()
    print(f"gallery of {people:,} people, 1 photo each; Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs; median of {repeats}")
    print(f"  change check (ids):            {check:8.1f} ms  every refresh")
    print(f"  full read (rows + embeddings): {full:8.1f} ms  only after a change")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.people, args.repeats))
