"""The worker pool: every worker computes at full speed, and a track's embeddings go
before camera frames waiting for a worker (decisions first; a late frame is dropped)."""

from __future__ import annotations

import asyncio
import ctypes
import platform
import sys
import threading
from pathlib import Path

import cv2
import numpy as np

from plugins.recognition.onnx_face.config import OnnxFaceConfig
from plugins.recognition.onnx_face.denormals import denormals_flushed, flushed_denormals
from plugins.recognition.onnx_face.recognizer import OnnxFaceRecognizer
from plugins.recognition.onnx_face.worker import BACKGROUND, URGENT, denormals_in_worker
from plugins.recognition.onnx_face.worker import _pipeline as worker_pipeline

_order: list[str] = []


def _note(name: str) -> str:
    _order.append(name)
    return name


def _flags_when_both_run(barrier: threading.Barrier) -> bool | None:
    barrier.wait(5.0)  # both workers are in a call at once: each answers for its thread
    return denormals_in_worker()


async def test_every_worker_thread_flushes_denormals(models_dir: Path) -> None:
    """Both workers of a two-thread pool flush denormals to zero; onnxruntime sets the flag
    only in the thread that builds the first session, and the other worker's embedder was
    ~7x slower (120 ms a face instead of 18 ms)."""
    assert sys.platform == "linux" and platform.machine() == "x86_64", "runs on x86-64 Linux"
    recognizer = OnnxFaceRecognizer(OnnxFaceConfig(workers=2, models_dir=models_dir))
    await recognizer.start()
    try:
        barrier = threading.Barrier(2)
        flags = await asyncio.gather(*(recognizer.pool.run(_flags_when_both_run, barrier)
                                       for _ in range(2)))
        assert flags == [True, True]
    finally:
        await recognizer.stop()


def test_flushing_denormals_for_a_while_puts_the_thread_flags_back() -> None:
    """`flushed_denormals` (the pipeline tests run the models in the test's own thread) sets
    FTZ/DAZ inside the block and leaves the thread as it found it."""
    assert sys.platform == "linux" and platform.machine() == "x86_64", "runs on x86-64 Linux"
    seen: list[object] = []

    def in_a_thread() -> None:
        ctypes.CDLL("libm.so.6").fesetenv(ctypes.c_void_p(-1))  # FE_DFL_ENV: no flushing
        seen.append(denormals_flushed())
        with flushed_denormals() as flushed:
            seen.extend([flushed, denormals_flushed()])
        seen.append(denormals_flushed())

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join(5.0)
    assert seen == [False, True, True, False]


async def test_embeddings_go_before_waiting_frames(models_dir: Path) -> None:
    """With the one worker busy, two frames' detections and then a track's embedding are
    queued: when the worker frees, the embedding goes first (a decision is waiting on it)
    and the frames follow in order; a queued call that is cancelled passes its turn on."""
    recognizer = OnnxFaceRecognizer(OnnxFaceConfig(workers=1, models_dir=models_dir))
    await recognizer.start()
    pool = recognizer.pool
    try:
        busy = threading.Event()
        holder = asyncio.create_task(pool.run(busy.wait, 5.0))
        await asyncio.sleep(0.05)
        queued = [asyncio.create_task(pool.run(_note, "frame 1", priority=BACKGROUND)),
                  asyncio.create_task(pool.run(_note, "cancelled", priority=URGENT)),
                  asyncio.create_task(pool.run(_note, "frame 2", priority=BACKGROUND)),
                  asyncio.create_task(pool.run(_note, "embed", priority=URGENT))]
        await asyncio.sleep(0.05)
        queued[1].cancel()
        busy.set()
        assert await holder is True
        results = await asyncio.gather(*queued, return_exceptions=True)
        assert isinstance(results[1], asyncio.CancelledError)
        assert _order == ["embed", "frame 1", "frame 2"]
        assert await pool.run(_note, "after") == "after"  # no slot was lost
    finally:
        await recognizer.stop()


def _in_worker_plain_crop_and_refined(frame: np.ndarray, box: tuple[float, float, float, float]
                                      ) -> tuple[np.ndarray | None, np.ndarray]:
    """This worker's pipeline: the frame path's crop without refinement (one landmark run,
    bicubic warp), and the refined embedding of the face at `box`."""
    pipe = worker_pipeline()
    [face] = pipe.analyze(frame, embed=False, keep_aligned=True, refine_below=0,
                          warp=cv2.INTER_CUBIC)
    return face.aligned, pipe.embed_refined(frame, [box])[0]


async def test_a_decision_embeds_the_kept_faces_refined_from_their_frames(
        models_dir: Path, faces: Path) -> None:
    """With `refine_decisions` (the default) a ~50 px face on a frame is judged with the
    cheap alignment (no refinement on the frame path, ~2 ms per face saved), and a track's
    kept face is embedded refined from its frame when the track is decided; without the
    frame, its cheap crop is embedded."""
    recognizer = OnnxFaceRecognizer(OnnxFaceConfig(workers=1, models_dir=models_dir))
    await recognizer.start()
    try:
        photo = cv2.imread(str(faces / "known" / "Dick_Cheney" / "Dick_Cheney_0004.jpg"))
        assert photo is not None
        frame = np.full((480, 640, 3), 110, np.uint8)
        frame[150:250, 250:350] = cv2.resize(photo, (100, 100), interpolation=cv2.INTER_AREA)
        [face] = await recognizer.sightings(frame)
        assert face.aligned is not None and 40 < face.size < 64
        plain_crop, refined = await recognizer.pool.run(_in_worker_plain_crop_and_refined,
                                                        frame, face.box)
        assert plain_crop is not None and np.array_equal(face.aligned, plain_crop)
        [at_decision] = await recognizer.embed_faces([face], [frame])
        [from_crop] = await recognizer.embed_faces([face])
        assert np.allclose(at_decision, refined, atol=1e-5)
        assert float(at_decision @ from_crop) < 0.999  # not the crop's embedding
    finally:
        await recognizer.stop()
