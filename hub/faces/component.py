"""The `recognition:` component: build the recognizer, load the gallery, start watching."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..config.yaml_loader import location_of
from ..exceptions import ConfigError
from ..recognition import Recognizer, RecognizerConfig
from ..recorder import Database
from ..recorder.component import default_url
from ..recorder.migrate import upgrade_heads_blocking
from .config import RecognitionConfig
from .gallery import Gallery
from .retention import run_retention
from .service import FaceService
from .store import GalleryStore

if TYPE_CHECKING:
    from ..hub import Hub
    from ..plugins import PluginRegistry

_LOGGER = logging.getLogger(__name__)

__all__ = ["build_recognizer", "open_gallery_db", "setup"]


def build_recognizer(registry: PluginRegistry, config: RecognitionConfig,
                     raw: Any = None, hub: Hub | None = None) -> Recognizer:
    """Return the configured recognizer (not started); ConfigError names the bad option."""
    platform = registry.platforms.get(config.platform)
    if platform is None or not issubclass(platform, Recognizer):
        known = sorted(n for n, p in registry.platforms.items() if issubclass(p, Recognizer))
        raise ConfigError([_where(raw, ("recognition", "platform"))
                           + f"recognition.platform: unknown recognizer '{config.platform}'"
                           f" (loaded: {', '.join(known) or 'none'})"])
    try:
        options = platform.config_model.model_validate({"platform": config.platform,
                                                        **config.options})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ("recognition", "options", *err["loc"])
            path = ".".join(str(p) for p in loc)
            problems.append(f"{_where(raw, loc)}{path}: {err['msg']}")
        raise ConfigError(problems) from None
    assert isinstance(options, RecognizerConfig)
    return platform(options, hub)


def _where(raw: Any, loc: tuple[str | int, ...]) -> str:
    found = location_of(raw, loc) if raw is not None else None
    return f"{found[0]}:{found[1]}: " if found is not None else ""


async def open_gallery_db(hub: Hub, config: RecognitionConfig) -> tuple[Database, Any]:
    """Return the recorder's database (and write gate) or, without a recorder, our own."""
    recorder = hub.components.get("recorder")
    if recorder is not None and config.database_url is None:
        return recorder.db, recorder.gate
    url = config.database_url
    if url is None:
        url = await asyncio.to_thread(default_url, hub.config.data_dir)
    await asyncio.to_thread(_prepare_blocking, url, hub.config.data_dir)
    await asyncio.to_thread(upgrade_heads_blocking, url)
    # Creating a SQLite engine resolves the file path: keep it off the loop.
    return await asyncio.to_thread(Database, url), None


def _prepare_blocking(url: str, data_dir: Path) -> None:
    if url.startswith("sqlite"):
        data_dir.mkdir(parents=True, exist_ok=True)


async def setup(hub: Hub, config: RecognitionConfig | None) -> None:
    """Component entry point (hub/components.py)."""
    config = config or RecognitionConfig()
    recognizer = build_recognizer(hub.plugins, config, hub.config.raw, hub)
    await recognizer.start()
    db, gate = await open_gallery_db(hub, config)
    photos = hub.config.data_dir / "faces" / "photos"
    gallery = Gallery(GalleryStore(db, photos, gate), recognizer)
    await gallery.load()
    service = FaceService(hub, config, recognizer, gallery)
    hub.components["recognition"] = service
    hub.on_stop(service.stop)
    if gate is None:
        hub.on_stop(db.close)
    service.start()
    hub.create_task(_retention_loop(hub, service), name="faces retention")
    hub.create_task(_refresh_loop(service), name="faces gallery refresh")
    _LOGGER.info("Recognition ready: %s, %d people, %d cameras", config.platform,
                 len(gallery), len(config.cameras))


async def _retention_loop(hub: Hub, service: FaceService) -> None:
    while True:
        try:
            await run_retention(hub, service.gallery, service.config.unknown_retention_days)
        except Exception:
            _LOGGER.exception("Face retention failed")
        await asyncio.sleep(service.config.retention_interval)


async def _refresh_loop(service: FaceService) -> None:
    while True:
        await asyncio.sleep(service.config.refresh_interval)
        try:
            await service.gallery.refresh()
        except Exception:
            _LOGGER.exception("Gallery refresh failed")
