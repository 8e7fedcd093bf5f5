"""The test history and open test windows of each alarm input, in <data_dir>/alarm_tests.json."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

__all__ = ["load_blocking", "save_blocking"]

_LOGGER = logging.getLogger(__name__)

#: tests kept per input (enough for years of monthly tests)
KEEP = 500


def _window(entity_id: str, raw: Any, path: Path) -> dict[str, Any] | None:
    """Return a stored window, or None (logged) if it cannot be read."""
    if (isinstance(raw, dict) and isinstance(raw.get("until"), int | float)
            and isinstance(raw.get("by"), str)):
        return {"until": float(raw["until"]), "by": raw["by"]}
    _LOGGER.error("%s: windows.%s: expected {until: seconds, by: text}; skipped", path,
                  entity_id)
    return None


def load_blocking(path: Path) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """Return (entity id -> its tests, oldest first; entity id -> open window {until, by});
    empty if there is no file yet. A window that cannot be read is logged and skipped."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, {}
    inputs = raw.get("inputs", {}) if isinstance(raw, dict) else {}
    history = {str(k): [t for t in v if isinstance(t, dict)] for k, v in inputs.items()
               if isinstance(v, list)}
    stored = raw.get("windows", {}) if isinstance(raw, dict) else {}
    windows = {}
    for entity_id, value in (stored.items() if isinstance(stored, dict) else ()):
        window = _window(str(entity_id), value, path)
        if window is not None:
            windows[str(entity_id)] = window
    return history, windows


def save_blocking(path: Path, history: dict[str, list[dict[str, Any]]],
                  windows: dict[str, dict[str, Any]]) -> None:
    """Write history and windows atomically (temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    data = {"version": 1, "inputs": {k: v[-KEEP:] for k, v in history.items()},
            "windows": windows}
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
