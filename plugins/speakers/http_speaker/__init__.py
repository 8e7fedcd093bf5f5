"""Remote broadcast through HTTP IP speakers: hook implementations."""

from __future__ import annotations

from hub import Platform, hookimpl

from .speaker import HttpSpeaker


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """The `http_speaker` platform."""
    return [HttpSpeaker]
