"""A gate's morning rush: N cameras at 10 fps, 1-3 people walking past each (issue 16).

Usage: python bench/bench_gate.py [--cameras 1,2,4,8] [--seconds 20] [--fps 10] [--workers 2]

A real hub (recognition: onnx_face, tracking on, cooldowns off) with the 24 people of
data/faces enrolled (one photo each). Each simulated camera makes 640x480 frames on a
wall-clock schedule: walkers (another photo of an enrolled person, 150 px, face ~75 px) cross the
frame in 2-3 s, one to three in view at a time. Frames go to `FaceService.process_stream`,
the call the camera watcher makes; a camera that is still busy when its next frame is due
skips it, as a live stream reader takes the newest frame. Decoding the camera's stream
(RTSP/H.264) is not part of this figure.

Printed per camera count: frames processed and skipped, frame -> decision latency (from the
capture time of the frame that completed the track's evidence to the decision) p50/p99,
walkers decided once / never / more than once / as the right person, and CPU per camera and
per face seen.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

FACES = Path(__file__).resolve().parents[1] / "data" / "faces"
U8 = npt.NDArray[np.uint8]


@dataclass
class Walker:
    """One person crossing one camera's view."""

    person: str
    photo: U8
    start: float
    duration: float
    row: int
    leftwards: bool
    decisions: list[str] = field(default_factory=list)

    def box_at(self, t: float) -> tuple[int, int] | None:
        """Top-left corner at time t, or None when out of view."""
        k = (t - self.start) / self.duration
        if not 0 <= k <= 1:
            return None
        side = self.photo.shape[1]
        x = int((1 - k if self.leftwards else k) * (640 - side))
        return x, self.row


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def schedule(people: dict[str, list[U8]], seconds: float, rng: random.Random) -> list[Walker]:
    """Walkers for one camera: one to three in view, each on its own row."""
    walkers: list[Walker] = []
    rows = [20, 180, 330]
    for lane, row in enumerate(rows):
        t = rng.uniform(0, 1.5) + lane * 0.7
        while t < seconds - 3:
            name = rng.choice(sorted(people))
            photo = rng.choice(people[name][1:])
            duration = rng.uniform(2.0, 3.0)
            walkers.append(Walker(name, photo, t, duration, row, rng.random() < 0.5))
            t += duration + rng.uniform(0.6, 2.5 if lane else 0.8)
    return walkers


def frame_at(walkers: list[Walker], t: float) -> tuple[U8, int]:
    """The frame at time t and how many faces it shows."""
    frame = np.full((480, 640, 3), 105, np.uint8)
    shown = 0
    for w in walkers:
        where = w.box_at(t)
        if where is not None:
            x, y = where
            side = w.photo.shape[0]
            frame[y : y + side, x : x + side] = w.photo
            shown += 1
    return frame, shown


async def run(cameras: int, seconds: float, fps: float, workers: int,
              people: dict[str, list[U8]], gallery: list[Path]) -> None:
    """One run with `cameras` cameras; prints a line of figures."""
    from hub.recognition import FaceRejected
    from hub.recognition.service import FaceService
    from hub.testing.harness import make_hub

    with tempfile.TemporaryDirectory() as tmp:
        harness = await make_hub(Path(tmp), f"""
recorder: {{commit_interval: 0.5}}
recognition:
  platform: onnx_face
  options: {{workers: {workers}}}
  cooldown: 0
  unknown_cooldown: 0
""")
        service: FaceService = harness.hub.components["recognition"]
        ids = {}
        for path in gallery:
            person = await service.gallery.create_person(path.parent.name, "allow", "staff")
            for photo in sorted(path.parent.glob("*.jpg")):  # the first photo that enrols
                try:
                    await service.gallery.enroll(person.id, photo.read_bytes())
                    break
                except FaceRejected:
                    continue
            ids[person.id] = path.parent.name
        rng = random.Random(cameras)
        plans = [schedule(people, seconds, rng) for _ in range(cameras)]
        latencies: list[float] = []
        stats = {"frames": 0, "skipped": 0, "faces": 0}
        t0 = time.perf_counter() + 0.5
        cpu0 = _cpu()

        async def camera(index: int) -> None:
            walkers = plans[index]
            name = f"camera.gate_{index}"
            tick = 0
            while True:
                due = t0 + tick / fps
                if due - t0 > seconds:
                    break
                now = time.perf_counter()
                if now < due:
                    await asyncio.sleep(due - now)
                elif now - due > 1 / fps:  # busy past the next frame: skip to the newest
                    late = int((now - due) * fps)
                    stats["skipped"] += late
                    tick += late
                    continue
                t = tick / fps
                frame, shown = frame_at(walkers, t)
                captured = time.perf_counter()
                decisions = await service.process_stream(frame, name, None, 1e9 + t)
                done = time.perf_counter()
                stats["frames"] += 1
                stats["faces"] += shown
                for d in decisions:
                    latencies.append(done - captured)
                    _credit(walkers, t, d.person.name if d.person else "unknown")
                tick += 1

        await asyncio.gather(*(camera(i) for i in range(cameras)))
        cpu = _cpu() - cpu0
        wall = time.perf_counter() - t0
        await harness.hub.stop()
    walkers = [w for plan in plans for w in plan if w.start + w.duration < seconds - 0.5]
    once = sum(1 for w in walkers if len(w.decisions) == 1)
    never = sum(1 for w in walkers if not w.decisions)
    more = sum(1 for w in walkers if len(w.decisions) > 1)
    right = sum(1 for w in walkers if w.decisions and w.decisions[0] == w.person)
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else float("nan")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 \
        if latencies else float("nan")
    print(f"{cameras} camera(s) x {fps:g} fps, {seconds:g} s: frames {stats['frames']} "
          f"({stats['frames'] / wall / cameras:.1f}/s per camera), skipped {stats['skipped']}; "
          f"frame -> decision p50 {p50:.0f} ms, p99 {p99:.0f} ms; walkers {len(walkers)}: "
          f"once {once}, never {never}, more than once {more}, right person {right}; "
          f"CPU {cpu / wall * 100:.0f} % of one core in all, "
          f"{cpu / wall / cameras * 100:.1f} % per camera, "
          f"{cpu / max(stats['faces'], 1) * 1000:.1f} ms per face seen")


def _credit(walkers: list[Walker], t: float, name: str) -> None:
    """Give a decision to the walker in view (or just gone) with that name, else any."""
    near = [w for w in walkers if w.start <= t <= w.start + w.duration + 1.0]
    same = [w for w in near if w.person == name]
    pool = same or near
    if pool:
        pool[-1].decisions.append(name)


def _read150(path: Path) -> U8:
    image = cv2.imread(str(path))
    assert image is not None, path
    return np.asarray(cv2.resize(image, (150, 150)), np.uint8)


def load_people() -> tuple[dict[str, list[U8]], list[Path]]:
    """Photos per enrolled person (photo 0 enrolled, the others walk), scaled to 150 px."""
    people: dict[str, list[U8]] = {}
    gallery = []
    for folder in sorted((FACES / "known").iterdir()):
        photos = sorted(folder.glob("*.jpg"))
        gallery.append(photos[0])
        people[folder.name] = [_read150(p) for p in photos]
    return people, gallery


def main() -> None:
    """Run each camera count and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cameras", default="1,2,4,8")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--fps", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    people, gallery = load_people()
    for n in (int(c) for c in args.cameras.split(",")):
        asyncio.run(run(n, args.seconds, args.fps, args.workers, people, gallery))


if __name__ == "__main__":
    main()
