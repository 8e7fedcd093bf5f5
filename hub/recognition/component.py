"""The `recognition:` component: build the recognizer, load the gallery, start watching."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..config.located import location_of
from ..datadir import private_sqlite_file_blocking
from ..exceptions import ConfigError
from ..hubkey import RECOGNITION, RECOGNITION_ERROR, RECORDER, SCHEDULES
from ..recorder import Database
from .config import RecognitionConfig
from .gallery import Gallery
from .recognizer import Recognizer, RecognizerConfig
from .retention import run_retention
from .service import FaceService
from .store import GalleryStore

if TYPE_CHECKING:
    from ..hub import Hub
    from ..plugins import PluginRegistry

_LOGGER = logging.getLogger(__name__)

__all__ = ["build_recognizer", "migrated_database_blocking", "open_gallery_db", "setup"]


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


async def open_gallery_db(hub: Hub, config: RecognitionConfig) -> tuple[Database, Any, bool]:
    """Return (database, write gate or None, whether we own it): the recorder's, or ours."""
    recorder = hub.components.get(RECORDER)
    if recorder is not None and config.database_url is None:
        # No write gate: the recorder's `gate` this once probed for went with its single
        # writer thread (7c890ce); gallery writes use the database directly, as they did.
        return recorder.db, None, False
    # Migrating and creating a SQLite engine touch files: keep it off the loop.
    db = await asyncio.to_thread(migrated_database_blocking, config.database_url,
                                 hub.config.sections.get("recorder"), hub.config.data_dir)
    return db, None, True


def migrated_database_blocking(url: str | None, recorder: Any, data_dir: Path) -> Database:
    """Return the hub's database (given URL, recorder URL, or default file), migrated."""
    from ..recorder.component import DB_FILE, default_url
    from ..recorder.migrate import upgrade_heads_blocking

    url = url or getattr(recorder, "db_url", None) or default_url(data_dir)
    assert url is not None
    if url == default_url(data_dir):
        private_sqlite_file_blocking(data_dir / DB_FILE)
    upgrade_heads_blocking(url)
    return Database(url)


async def setup(hub: Hub, config: RecognitionConfig | None) -> None:
    """Component entry point (hub/components.py)."""
    config = config or RecognitionConfig()
    _check_guard_schedule(hub, config)
    recognizer = build_recognizer(hub.plugins, config, hub.config.raw, hub)
    try:
        await recognizer.start()
    except Exception as exc:  # panic buttons and gates must run without face recognition
        _LOGGER.error("Recognition disabled: %s could not start: %s", config.platform, exc)
        hub.components[RECOGNITION_ERROR] = str(exc)
        await recognizer.stop()
        return
    db, gate, owned = await open_gallery_db(hub, config)
    photos = hub.config.data_dir / "faces" / "photos"
    gallery = Gallery(GalleryStore(db, photos, gate), recognizer)
    await gallery.load()
    service = FaceService(hub, config, recognizer, gallery)
    hub.components[RECOGNITION] = service
    hub.on_stop(service.stop)
    if owned:
        hub.on_stop(db.close)
    service.start()
    hub.create_task(_retention_loop(hub, service), name="faces retention")
    hub.create_task(_refresh_loop(service), name="faces gallery refresh")
    _LOGGER.info("Recognition ready: %s, %d people, %d cameras", config.platform,
                 len(gallery), len(config.cameras))


def _check_guard_schedule(hub: Hub, config: RecognitionConfig) -> None:
    name = config.guard.schedule if config.guard is not None else None
    schedules = hub.components.get(SCHEDULES)
    if name is not None and (schedules is None or name not in schedules):
        loc = ("recognition", "guard", "schedule")
        known = ", ".join(sorted(schedules or [])) or "none"
        raise ConfigError([f"{_where(hub.config.raw, loc)}recognition.guard.schedule: no "
                           f"schedule named '{name}' (schedules: {known})"])


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
