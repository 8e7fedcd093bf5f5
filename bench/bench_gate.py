"""A gate's morning rush: N cameras at 10 fps, 1-3 people walking past each (issue 16).

Usage: python bench/bench_gate.py [--cameras 1,2,4,8] [--seconds 20] [--fps 10] [--workers 2]
       [--intra 1] [--cost] [--photo-px 150] [--profile] [--no-freeze] [--ahead]
       [--plain-decisions]

A real hub (recognition: onnx_face, tracking on, cooldowns off) with the 24 people of
data/faces enrolled (one photo each). Each simulated camera makes 640x480 frames on a
wall-clock schedule (each camera's clock offset by a fraction of a frame: real cameras are
not in step): walkers (another photo of an enrolled person, 150 px, face ~75 px) cross the
frame in 2-3 s, one to three in view at a time. Frames go to `FaceService.process_stream`,
the call the camera watcher makes; a camera that is still busy when its next frame is due
skips it, as a live stream reader takes the newest frame. Decoding the camera's stream
(RTSP/H.264) is not part of this figure.

`--cost` first measures, one call at a time on this script's frames, the CPU of what the
frame path runs: a frame's detection + judging (per frame and per face) and a decision's
embeddings (per track), and projects the cores 8 cameras need.

Printed per camera count: frames processed and skipped, frame -> decision latency (from the
capture time of the frame that completed the track's evidence to the decision) p50/p99 and
the worst camera's p99, walkers decided once / never / more than once (a decided track goes
to the walker whose face it followed, whatever name it was given; tracks of other faces in
the photos are counted apart), walkers named right (a decision with their name while in
view), decisions naming nobody in view (a wrong match, or a second face in an LFW photo),
and CPU per camera and per face seen.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.gate_profile import CALLS, Call, Profile

FACES = Path(__file__).resolve().parents[1] / "data" / "faces"
U8 = npt.NDArray[np.uint8]
#: The walkers' rows (top of the photo): one lane each, one walker at a time per lane.
ROWS = (20, 180, 330)


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
    #: Tracks decided while following this walker (by position, whatever the name).
    tracks: int = 0

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
    for lane, row in enumerate(ROWS):
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


async def run(cameras: int, seconds: float, fps: float, workers: int, intra: int,
              people: dict[str, list[U8]], gallery: list[Path], refine: bool,
              profile: bool = False, freeze: bool = True, ahead: bool = False) -> None:
    """One run with `cameras` cameras; prints a line of figures."""
    extra = "" if refine else ", refine_decisions: false"
    from hub.hubkey import RECOGNITION
    from hub.recognition import FaceRejected
    from hub.recognition.service import FaceService
    from hub.testing.harness import make_hub

    prof = Profile() if profile else None
    undo = prof.install() if prof else None
    with tempfile.TemporaryDirectory() as tmp:
        harness = await make_hub(Path(tmp), f"""
recorder: {{commit_interval: 0.5}}
recognition:
  platform: onnx_face
  options: {{workers: {workers}, intra_op_threads: {intra}{extra}}}
  tracking: {{embed_ahead: {str(ahead).lower()}}}
  cooldown: 0
  unknown_cooldown: 0
""")
        service: FaceService = harness.hub.components[RECOGNITION]
        tracked: list[tuple[str, float, float, float]] = []  # camera, centre x, y, last seen
        decide_track = service._decide_track

        async def noted(recognizer: Any, track: Any, camera: str, gate: str | None,
                        now: float) -> Any:
            decision = await decide_track(recognizer, track, camera, gate, now)
            if decision is not None:
                tracked.append((camera, (track.box[0] + track.box[2]) / 2,
                                (track.box[1] + track.box[3]) / 2, track.last_seen))
            return decision

        service._decide_track = noted  # type: ignore[method-assign]
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
        if freeze:  # what `campus-hub run` does once started (hub/heap.py), for each run
            gc.freeze()
        rng = random.Random(cameras)
        plans = [schedule(people, seconds, rng) for _ in range(cameras)]
        latencies: list[float] = []
        per_camera: list[list[float]] = [[] for _ in range(cameras)]
        stats = {"frames": 0, "skipped": 0, "faces": 0, "other": 0}
        t0 = time.perf_counter() + 0.5
        cpu0 = _cpu()

        async def camera(index: int) -> None:
            walkers = plans[index]
            name = f"camera.gate_{index}"
            tick = 0
            while True:
                due = t0 + (tick + index / cameras) / fps  # cameras are not in step
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
                calls: list[Call] = []
                CALLS.set(calls)
                captured = time.perf_counter()
                decisions = await service.process_stream(frame, name, None, 1e9 + t, fps)
                done = time.perf_counter()
                if prof is not None and decisions:
                    prof.decision(captured, done, calls)
                stats["frames"] += 1
                stats["faces"] += shown
                for d in decisions:
                    latencies.append(done - captured)
                    per_camera[index].append(done - captured)
                    if not _credit(walkers, t, d.person.name if d.person else "unknown"):
                        stats["other"] += 1
                tick += 1

        probes = [prof.probe(t0 + seconds)] if prof else []
        await asyncio.gather(*(camera(i) for i in range(cameras)), *probes)
        cpu = _cpu() - cpu0
        wall = time.perf_counter() - t0
        await service.reports_done()
        await harness.hub.stop()
    strays = 0  # decided tracks that followed no walker's face (a second face in a photo)
    for camera_name, x, y, seen in tracked:  # each decided track to the walker it followed
        if not _credit_track(plans[int(camera_name.rsplit("_", 1)[1])], x, y, seen - 1e9):
            strays += 1
    walkers = [w for plan in plans for w in plan if w.start + w.duration < seconds - 0.5]
    once = sum(1 for w in walkers if w.tracks == 1)
    never = sum(1 for w in walkers if not w.tracks)
    more = sum(1 for w in walkers if w.tracks > 1)
    right = sum(1 for w in walkers if w.person in w.decisions)
    p50, p99 = _pct(latencies, 0.5), _pct(latencies, 0.99)
    worst = max((_pct(c, 0.99) for c in per_camera if c), default=float("nan"))
    print(f"{cameras} camera(s) x {fps:g} fps, {seconds:g} s: frames {stats['frames']} "
          f"({stats['frames'] / wall / cameras:.1f}/s per camera), skipped {stats['skipped']}; "
          f"frame -> decision p50 {p50:.0f} ms, p99 {p99:.0f} ms (worst camera's p99 "
          f"{worst:.0f}); walkers {len(walkers)} decided once {once}, never {never}, more "
          f"than once {more}; named right {right}; decisions naming nobody in "
          f"view {stats['other']}; tracks of other faces {strays}; "
          f"CPU {cpu / wall * 100:.0f} % of one core in all, "
          f"{cpu / wall / cameras * 100:.1f} % per camera, "
          f"{cpu / max(stats['faces'], 1) * 1000:.1f} ms per face seen", flush=True)
    if prof is not None and undo is not None:
        undo()
        print(prof.summary(), flush=True)


def cost(people: dict[str, list[U8]], fps: float, cameras: int, refine: bool) -> None:
    """CPU (thread time) of sightings and a decision's embeddings; the projected load."""
    from hub.recognition.fetch import default_models_dir
    from plugins.recognition.onnx_face.config import OnnxFaceConfig
    from plugins.recognition.onnx_face.pipeline import FacePipeline

    cfg = OnnxFaceConfig(refine_decisions=refine)
    gates = cfg.gates()
    pipe = FacePipeline(cfg.model_set(default_models_dir()), gates)
    rng = random.Random(0)
    walkers = schedule(people, 60.0, rng)
    per_frame, faces_seen, kept, per_crop = [], 0, [], []
    # What the workers run: sight_in_worker on a frame, then a decision's embeddings
    # (embed_refined_in_worker from the kept frame, or the aligned crop).
    for tick in range(0, 600, 3):
        frame, _shown = frame_at(walkers, tick / 10)
        started = time.thread_time()
        found = (pipe.analyze(frame, embed=False, keep_aligned=True, refine_below=0,
                              warp=cv2.INTER_CUBIC) if gates.refine_decisions
                 else pipe.analyze(frame, embed=False, keep_aligned=True))
        per_frame.append(time.thread_time() - started)
        faces_seen += len(found)
        kept += [(frame, f) for f in found if f.aligned is not None]
    for frame, face in kept[:120]:
        started = time.thread_time()
        if gates.refine_decisions:
            pipe.embed_refined(frame, [face.box])
        else:
            assert face.aligned is not None
            pipe.embed_aligned([face.aligned])
        per_crop.append(time.thread_time() - started)
    frame_ms = float(np.mean(per_frame)) * 1000
    face_ms = sum(per_frame) / max(faces_seen, 1) * 1000
    decision_ms = float(np.mean(per_crop)) * 2000  # best_k = 2 crops per track
    walkers_per_s = len(walkers) / 60.0
    load = cameras * (fps * frame_ms + walkers_per_s * decision_ms) / 1000
    print(f"cost (refine_decisions {gates.refine_decisions}, faces ~{people_face_px(people)} "
          f"px): detection + judging {frame_ms:.1f} ms CPU per frame "
          f"({faces_seen / len(per_frame):.1f} faces, {face_ms:.1f} ms per face); "
          f"a decision's 2 embeddings {decision_ms:.1f} ms; {walkers_per_s:.2f} walkers/s "
          f"per camera -> {cameras} cameras x {fps:g} fps need {load:.2f} cores "
          f"(+ the hub's own work)")


def _pct(values: list[float], q: float) -> float:
    """The q-quantile in ms (nan if empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def _credit_track(walkers: list[Walker], x: float, y: float, t: float) -> bool:
    """Count a decided track for the walker it followed: the one whose face (the middle of
    the photo) was nearest the track's last box when it was last seen, within a fifth of the
    photo's side (the walker's face fills about half of it, so a face beside or behind
    theirs in the photo, a person of its own, is not theirs); False if none."""
    best: tuple[float, Walker] | None = None
    for w in walkers:
        where = w.box_at(min(max(t, w.start), w.start + w.duration))
        if where is None or not w.start - 0.2 <= t <= w.start + w.duration + 0.2:
            continue
        side = w.photo.shape[0]
        dx, dy = abs(where[0] + side / 2 - x), abs(where[1] + side / 2 - y)
        if dx < side / 5 and dy < side / 5 and (best is None or dx + dy < best[0]):
            best = (dx + dy, w)
    if best is None:
        return False
    best[1].tracks += 1
    return True


def _credit(walkers: list[Walker], t: float, name: str) -> bool:
    """Give a decision to the walker in view (or just gone) with that name, if any."""
    same = [w for w in walkers if w.start <= t <= w.start + w.duration + 1.0 and w.person == name]
    if same:
        same[-1].decisions.append(name)
    return bool(same)


def _read(path: Path, side: int) -> U8:
    image = cv2.imread(str(path))
    assert image is not None, path
    return np.asarray(cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA), np.uint8)


def people_face_px(people: dict[str, list[U8]]) -> int:
    """The walkers' face size: about half the photo's side."""
    return int(next(iter(people.values()))[0].shape[0]) // 2


def load_people(side: int = 150) -> tuple[dict[str, list[U8]], list[Path]]:
    """Photos per enrolled person (photo 0 enrolled, the others walk), scaled to `side` px
    (the face is about half of it)."""
    people: dict[str, list[U8]] = {}
    gallery = []
    for folder in sorted((FACES / "known").iterdir()):
        photos = sorted(folder.glob("*.jpg"))
        gallery.append(photos[0])
        people[folder.name] = [_read(p, side) for p in photos]
    return people, gallery


def main() -> None:
    """Run each camera count and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cameras", default="1,2,4,8")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--fps", type=float, default=10.0)
    ap.add_argument("--cost", action="store_true", help="measure CPU per frame/decision first")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--intra", type=int, default=1, help="onnxruntime threads per worker")
    ap.add_argument("--photo-px", type=int, default=150,
                    help="walkers' photo side (the face is about half of it)")
    ap.add_argument("--plain-decisions", action="store_true",
                    help="refine_decisions off: small faces refined on every frame instead")
    ap.add_argument("--profile", action="store_true",
                    help="break frame -> decision time down (bench/gate_profile.py)")
    ap.add_argument("--no-freeze", action="store_true",
                    help="no gc.freeze() after start (`campus-hub run` does it, hub/heap.py)")
    ap.add_argument("--ahead", action="store_true",
                    help="tracking.embed_ahead on: kept faces embedded before the decision")
    args = ap.parse_args()
    people, gallery = load_people(args.photo_px)
    counts = [int(c) for c in args.cameras.split(",") if c]  # --cameras "": only --cost
    if args.cost:
        cost(people, args.fps, max(counts, default=8), not args.plain_decisions)
    for n in counts:
        asyncio.run(run(n, args.seconds, args.fps, args.workers, args.intra, people, gallery,
                        not args.plain_decisions, args.profile, not args.no_freeze,
                        args.ahead))


if __name__ == "__main__":
    main()
