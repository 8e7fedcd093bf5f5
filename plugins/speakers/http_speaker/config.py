"""Config model of the http_speaker plugin."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, SecretStr, model_validator

from hub import DeviceConfig

__all__ = ["HttpSpeakerConfig"]


class HttpSpeakerConfig(DeviceConfig):
    """An IP loudspeaker with the HTTP play API; text is spoken locally by default."""

    model_config = ConfigDict(extra="forbid")

    platform: Literal["http_speaker"]
    url: str = Field(pattern=r"^https?://")
    #: Secrets: shown as ********** in logs, reprs and the config API.
    token: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    #: `local`: espeak-ng makes a WAV here and the speaker plays it; `device`: the
    #: speaker's own text-to-speech.
    tts: Literal["local", "device"] = "local"
    voice: str | None = None
    speed: int = Field(default=150, ge=80, le=450)
    #: Folder `media:` files are taken from (relative to the config folder); nothing
    #: outside it can be sent.
    media_dir: str = "media"
    timeout: float = Field(default=10.0, gt=0, le=120)
    scan_interval: float = Field(default=30.0, ge=1, le=3600)

    @model_validator(mode="after")
    def _auth(self) -> HttpSpeakerConfig:
        if self.token and self.username:
            raise ValueError("give token or username/password, not both")
        return self
