"""Speakers: remote broadcast of text (spoken locally) or an audio file."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from .entity import Entity, EntityServiceData
from .entity_services import EntityService
from .exceptions import ServiceValidationError

__all__ = ["SPEAKER_SERVICES", "BroadcastData", "Speaker"]


class BroadcastData(EntityServiceData):
    """Data of speaker.broadcast: a message to speak or a media file to play."""

    message: str | None = Field(default=None, max_length=2000)
    media: str | None = None
    language: str = "en"
    volume: int = Field(default=80, ge=0, le=100)
    repeat: int = Field(default=1, ge=1, le=10)

    @model_validator(mode="after")
    def _one_source(self) -> BroadcastData:
        if not self.message and not self.media:
            raise ValueError("give a message or a media file")
        return self


class Speaker(Entity):
    """A loudspeaker. Subclasses implement play()."""

    domain: ClassVar[str] = "speaker"

    async def broadcast(self, message: str | None = None, media: str | None = None,
                        language: str = "en", volume: int = 80, repeat: int = 1) -> None:
        """Speak or play through this speaker; every broadcast is audited."""
        await self.play(message=message, media=media, language=language, volume=volume,
                        repeat=repeat)
        self.hub.audit("speaker.broadcast", target=self.entity_id,
                       details={"message": message, "media": media, "language": language})

    async def play(self, message: str | None, media: str | None, language: str, volume: int,
                   repeat: int) -> None:
        """Send the sound to the device."""
        raise ServiceValidationError(f"{self.entity_id} cannot play")

    async def play_audio(self, wav: bytes, *, label: str, volume: int = 80) -> None:
        """Play a WAV the hub made (a piece of a live broadcast); the caller audits it."""
        raise ServiceValidationError(f"{self.entity_id} cannot play live audio")

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return the speaker's attributes."""
        return {}


SPEAKER_SERVICES = [
    EntityService("broadcast", "broadcast", BroadcastData, ("admin", "guard", "police"),
                  "Speak a message or play a file through the speaker."),
]
