"""An HTTP IP speaker as a Speaker entity: text via espeak-ng (or the device), or a WAV file."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, ClassVar

from hub import (
    DeviceConfig,
    DeviceError,
    DeviceUnavailable,
    Hub,
    ServiceValidationError,
    SetupRetry,
    Speaker,
)

from .api import SpeakerClient, SpeakerError
from .config import HttpSpeakerConfig
from .const import DOMAIN
from .tts import TTSError, synthesize

_LOGGER = logging.getLogger(__name__)

__all__ = ["HttpSpeaker"]


def _read_media_blocking(root: Path, name: str) -> bytes:
    """Read a WAV from inside `root` only (no path escapes the media folder)."""
    base = root.resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base):
        raise ServiceValidationError(f"media: {name!r} is outside the media folder")
    if path.suffix.lower() != ".wav":
        raise ServiceValidationError(f"media: {name!r} is not a .wav file")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ServiceValidationError(f"media: {name!r} not found in {base}") from None


class HttpSpeaker(Speaker):
    """A loudspeaker reached over HTTP; its availability is checked every `scan_interval`."""

    platform: ClassVar[str] = DOMAIN
    config_model: ClassVar[type[DeviceConfig]] = HttpSpeakerConfig
    config: HttpSpeakerConfig

    def __init__(
        self, hub: Hub, config: DeviceConfig, object_id: str | None = None, name: str | None = None
    ) -> None:
        super().__init__(hub, config, object_id, name)
        self._client: SpeakerClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._status: dict[str, Any] = {}
        self.broadcasts = 0
        self.last_broadcast: dict[str, Any] | None = None

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return the device model, volume and the last broadcast."""
        attrs = {key: self._status.get(key) for key in ("model", "firmware", "volume")}
        return {**attrs, "broadcasts": self.broadcasts, "last_broadcast": self.last_broadcast}

    async def setup(self) -> None:
        """Connect (status request), then check it in the background."""
        cfg = self.config
        self._client = SpeakerClient(
            self.hub.client_session,
            cfg.url,
            token=cfg.token.get_secret_value() if cfg.token else None,
            username=cfg.username,
            password=cfg.password.get_secret_value() if cfg.password else None,
            timeout=cfg.timeout,
        )
        try:
            self._status = await self._client.status()
        except SpeakerError as err:
            self.set_available(False, str(err))
            self.write_state()  # publish the reason now, not only at the next change
            raise SetupRetry(str(err)) from err
        self.unique_id = f"{DOMAIN}:{self._status.get('serial') or cfg.url}"
        self.state = "idle"
        self.set_available(True)
        self.write_state()
        self._task = self.hub.create_task(self._watch(), name=f"{DOMAIN} {self.name}")

    async def shutdown(self) -> None:
        """Stop the status check."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _watch(self) -> None:
        assert self._client is not None
        while True:
            await asyncio.sleep(self.config.scan_interval)
            try:
                self._status = await self._client.status()
            except SpeakerError as err:
                self.set_available(False, str(err))
            else:
                self.set_available(True)

    async def play(
        self, message: str | None, media: str | None, language: str, volume: int, repeat: int
    ) -> None:
        """Send the message (spoken) or the media file to the speaker."""
        if self._client is None or not self.available:
            raise DeviceUnavailable(f"{self.entity_id} is unavailable: {self.unavailable_reason}")
        try:
            if media:
                root = self.hub.config.config_dir / self.config.media_dir
                wav = await self.hub.run_blocking(_read_media_blocking, root, media)
                for _ in range(repeat):
                    result = await self._client.play_wav(wav, volume=volume, label=media)
            elif self.config.tts == "device":
                result = await self._client.play_text(message or "", volume=volume, repeat=repeat)
            else:
                wav = await synthesize(
                    message or "", language=self.config.voice or language, speed=self.config.speed
                )
                for _ in range(repeat):
                    result = await self._client.play_wav(wav, volume=volume, label="tts")
        except (SpeakerError, TTSError) as err:
            raise DeviceError(f"{self.entity_id}: broadcast failed: {err}") from err
        self.broadcasts += 1
        self.last_broadcast = {
            "kind": "media" if media else "text",
            "media": media,
            "duration": result.duration,
            "device_id": result.id,
        }
        self.write_state()

    async def play_audio(self, wav: bytes, *, label: str, volume: int = 80) -> None:
        """Send a WAV made in the hub (a live broadcast's audio) at high priority."""
        if self._client is None or not self.available:
            raise DeviceUnavailable(f"{self.entity_id} is unavailable: {self.unavailable_reason}")
        try:
            result = await self._client.play_wav(wav, volume=volume, label=label,
                                                 priority="high")
        except SpeakerError as err:
            raise DeviceError(f"{self.entity_id}: live audio failed: {err}") from err
        self.broadcasts += 1
        self.last_broadcast = {"kind": "live", "media": label, "duration": result.duration,
                               "device_id": result.id}
        self.write_state()
