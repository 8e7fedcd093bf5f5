"""Flush denormal floats to zero in the calling thread (x86-64 Linux), for the embedder.

The default embedder has thousands of denormal weights: with denormals computed exactly a
face takes ~120 ms instead of ~18 ms. onnxruntime's `session.set_denormal_as_zero` sets the
CPU flags only once per process, in the thread that builds the first session, so in a pool
of worker threads only one worker had them (bench/README.md, "Recognition at a gate").
Each worker therefore sets FTZ and DAZ in its own thread; threads it starts inherit them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_LOGGER = logging.getLogger(__name__)

__all__ = ["denormals_flushed", "flush_denormals", "flushed_denormals"]

#: MXCSR bits: flush-to-zero (15) and denormals-are-zero (6).
_FTZ_DAZ = 0x8040
#: glibc's x86-64 fenv_t is 32 bytes with the MXCSR register in the last 4.
_FENV_SIZE, _MXCSR_AT = 32, 28


def _supported() -> bool:
    return sys.platform == "linux" and platform.machine() in ("x86_64", "AMD64")


def _libm() -> ctypes.CDLL:
    try:
        return ctypes.CDLL("libm.so.6")  # glibc; find_library would start ldconfig
    except OSError:
        return ctypes.CDLL(ctypes.util.find_library("m") or "libm.so")


def _mxcsr(libm: ctypes.CDLL) -> tuple[ctypes.Array[ctypes.c_uint8], int]:
    env = (ctypes.c_uint8 * _FENV_SIZE)()
    if libm.fegetenv(env) != 0:
        raise OSError("fegetenv failed")
    return env, int.from_bytes(bytes(env[_MXCSR_AT:]), "little")


def flush_denormals() -> bool:
    """Set FTZ and DAZ for the calling thread; return False where that is not supported."""
    if not _supported():
        _LOGGER.info("denormal flushing is only set on x86-64 Linux; the embedder may be slower")
        return False
    try:
        libm = _libm()
        env, mxcsr = _mxcsr(libm)
        env[_MXCSR_AT:] = list((mxcsr | _FTZ_DAZ).to_bytes(4, "little"))
        if libm.fesetenv(env) != 0:
            raise OSError("fesetenv failed")
    except OSError as err:
        _LOGGER.warning("could not flush denormals (%s); the embedder may be ~7x slower", err)
        return False
    return True


def denormals_flushed() -> bool | None:
    """Return whether FTZ and DAZ are set in the calling thread (None: not x86-64 Linux)."""
    if not _supported():
        return None
    return _mxcsr(_libm())[1] & _FTZ_DAZ == _FTZ_DAZ


@contextmanager
def flushed_denormals() -> Iterator[bool]:
    """Flush denormals in the calling thread for a while, then put its flags back (e.g. a
    pipeline run in a test's own thread); yields what `flush_denormals` returned."""
    if not _supported():
        yield flush_denormals()
        return
    libm = _libm()
    saved, _ = _mxcsr(libm)
    try:
        yield flush_denormals()
    finally:
        libm.fesetenv(saved)
