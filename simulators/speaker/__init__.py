"""A simulated IP loudspeaker that records what it was told to play."""

from .server import Played, SpeakerSimulator

__all__ = ["Played", "SpeakerSimulator"]
