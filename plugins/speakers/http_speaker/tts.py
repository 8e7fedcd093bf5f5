"""Text to speech with espeak-ng in a subprocess (never blocks the event loop)."""

from __future__ import annotations

import asyncio
import logging

_LOGGER = logging.getLogger(__name__)

__all__ = ["TTSError", "synthesize"]

ESPEAK = "espeak-ng"


class TTSError(Exception):
    """Speech synthesis failed."""


async def synthesize(
    text: str,
    *,
    language: str = "en",
    speed: int = 150,
    executable: str = ESPEAK,
    timeout: float = 20.0,
) -> bytes:
    """Return a WAV of `text` spoken in `language` (espeak-ng voice name)."""
    try:
        proc = await asyncio.create_subprocess_exec(
            executable,
            "-v",
            language,
            "-s",
            str(speed),
            "--stdout",
            "--",
            text,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise TTSError(f"{executable} not found; install the espeak-ng package") from None
    try:
        async with asyncio.timeout(timeout):
            wav, err = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise TTSError(f"{executable} took longer than {timeout} s") from None
    if proc.returncode != 0 or not wav.startswith(b"RIFF"):
        message = err.decode(errors="replace").strip() or f"exit status {proc.returncode}"
        raise TTSError(f"{executable} failed: {message}")
    return wav
