"""The bounded worker pool: each worker builds its pipeline once and reuses it.

Threads by default: onnxruntime, OpenCV and numpy release the GIL, so threads run in
parallel without copying frames; processes are available for comparison
(bench/README.md "Recognition" records both).
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import logging
import multiprocessing as mp
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Literal, TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from hub.recognition import DetectedFace, Image

from .denormals import denormals_flushed, flush_denormals
from .models import ModelSet
from .pipeline import FacePipeline, QualityGates, U8Image

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

__all__ = [
    "BACKGROUND",
    "NORMAL",
    "URGENT",
    "WorkerPool",
    "analyze_in_worker",
    "decode_image_blocking",
    "denormals_in_worker",
    "embed_in_worker",
    "embed_refined_in_worker",
    "sight_in_worker",
]

_local = threading.local()


def _init_worker(models: ModelSet, gates: QualityGates, intra_threads: int) -> None:
    flush_denormals()  # before the sessions: their own threads inherit it
    _local.pipeline = FacePipeline(models, gates, intra_threads)


def denormals_in_worker() -> bool | None:
    """Return whether this worker flushes denormals (see denormals.py)."""
    return denormals_flushed()


def _pipeline() -> FacePipeline:
    pipe: FacePipeline | None = getattr(_local, "pipeline", None)
    if pipe is None:
        raise RuntimeError("face pipeline not initialised in this worker")
    return pipe


def decode_image_blocking(image: Image) -> U8Image:
    """Return a B,G,R uint8 array from an array or encoded bytes; ValueError if unreadable."""
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an HxWx3 uint8 image, got {image.shape} {image.dtype}")
        return image
    decoded = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValueError("image bytes could not be decoded")
    return np.asarray(decoded, dtype=np.uint8)


def analyze_in_worker(image: Image, embed: bool = True) -> list[DetectedFace]:
    """Decode and analyse one image with this worker's pipeline (runs in the pool)."""
    return _pipeline().analyze(decode_image_blocking(image), embed)


def sight_in_worker(image: Image) -> list[DetectedFace]:
    """Detect and judge faces, keeping aligned crops instead of embedding (tracked path);
    with `refine_decisions` no face is refined here: the kept ones are at decision time."""
    pipe = _pipeline()
    if pipe.gates.refine_decisions:  # judged as the refined crop will look (bicubic)
        return pipe.analyze(decode_image_blocking(image), embed=False, keep_aligned=True,
                            refine_below=0, warp=cv2.INTER_CUBIC)
    return pipe.analyze(decode_image_blocking(image), embed=False, keep_aligned=True)


def embed_refined_in_worker(image: Image,
                            box: tuple[float, float, float, float]) -> npt.NDArray[np.float32]:
    """Embed the face at `box` of a kept frame with the refined alignment (a decision)."""
    return _pipeline().embed_refined(decode_image_blocking(image), [box])


def embed_in_worker(crops: list[U8Image]) -> npt.NDArray[np.float32]:
    """Embed aligned face crops with this worker's pipeline."""
    return _pipeline().embed_aligned(crops)


def warm_in_worker() -> bool:
    """Run every model once so the first real frame and the first decision are not slow
    (a blank frame has no face, so the embedder is warmed on its own: ~100 ms saved)."""
    pipe = _pipeline()
    pipe.analyze(np.zeros((240, 320, 3), np.uint8))
    pipe.embed_aligned([np.zeros((pipe.models.embedder.height, pipe.models.embedder.width, 3),
                                 np.uint8)])
    return True


#: Priorities of pool calls: a decision's embeddings (URGENT) go before embeddings made
#: ahead of a decision and frames that may complete a track (NORMAL), which go before other
#: camera frames (BACKGROUND); so a decision is never queued behind frames, and a hub that
#: falls behind drops frames instead (newest wins) and the tracker follows (bench/README.md,
#: issue 16).
URGENT, NORMAL, BACKGROUND = 0, 1, 2


class _Slots:
    """`n` worker slots handed out by priority, then in order of asking."""

    def __init__(self, n: int) -> None:
        self.free = n
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def acquire(self, priority: int) -> None:
        """Wait for a slot."""
        if self.free > 0 and not self._waiting:
            self.free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed a slot while being cancelled: pass it on
            raise

    def release(self) -> None:
        """Give the slot to the most urgent waiter, or free it."""
        while self._waiting:
            turn = heapq.heappop(self._waiting)[2]
            if not turn.done():
                turn.set_result(None)
                return
        self.free += 1


class WorkerPool:
    """A fixed number of workers, each with its own sessions; calls are awaited, never block."""

    def __init__(self, models: ModelSet, gates: QualityGates, workers: int = 2,
                 kind: Literal["thread", "process"] = "thread", intra_threads: int = 1) -> None:
        self.kind = kind
        self.workers = workers
        self._slots = _Slots(workers)
        init = (models, gates, intra_threads)
        self._executor: Executor
        self._processes: ProcessPoolExecutor | None = None
        if kind == "process":
            # spawn, not fork: the hub process has threads (executors, onnxruntime) that a
            # fork would copy mid-flight. Submitting writes to the pool's pipes, so calls go
            # through a small thread pool that waits on the process (one thread per worker).
            self._processes = ProcessPoolExecutor(
                workers, mp_context=mp.get_context("spawn"), initializer=_init_worker,
                initargs=init)
            self._executor = ThreadPoolExecutor(workers, thread_name_prefix="onnx-face-dispatch")
        else:
            self._executor = ThreadPoolExecutor(workers, thread_name_prefix="onnx-face",
                                                initializer=_init_worker, initargs=init)

    @classmethod
    async def create(cls, models: ModelSet, gates: QualityGates, workers: int = 2,
                     kind: Literal["thread", "process"] = "thread",
                     intra_threads: int = 1) -> WorkerPool:
        """Build the pool off the loop (starting processes touches pipes and files)."""
        return await asyncio.to_thread(cls, models, gates, workers, kind, intra_threads)

    async def warm(self) -> None:
        """Start every worker (building its sessions) before the first frame."""
        await asyncio.gather(*(self.run(warm_in_worker) for _ in range(self.workers)))

    async def run(self, func: Callable[..., _T], *args: Any, priority: int = NORMAL) -> _T:
        """Run `func(*args)` in a worker; at most `workers` calls are in flight, and waiting
        calls start by `priority` (URGENT first), then in order."""
        call = functools.partial(func, *args)
        if self._processes is not None:
            call = functools.partial(_wait_for_process, self._processes, call)
        await self._slots.acquire(priority)
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, call)
        finally:
            self._slots.release()

    def shutdown(self) -> None:
        """Stop the workers; queued calls are cancelled."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._processes is not None:
            self._processes.shutdown(wait=False, cancel_futures=True)


def _wait_for_process(pool: ProcessPoolExecutor, call: Callable[[], _T]) -> _T:
    return pool.submit(call).result()
