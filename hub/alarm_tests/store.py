"""The test history of each alarm input, kept in <data_dir>/alarm_tests.json."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["load_blocking", "save_blocking"]

#: tests kept per input (enough for years of monthly tests)
KEEP = 500


def load_blocking(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Return entity id -> its tests (oldest first); empty if there is no file yet."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    inputs = raw.get("inputs", {}) if isinstance(raw, dict) else {}
    return {str(k): [t for t in v if isinstance(t, dict)] for k, v in inputs.items()
            if isinstance(v, list)}


def save_blocking(path: Path, history: dict[str, list[dict[str, Any]]]) -> None:
    """Write the history atomically (temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    data = {"version": 1, "inputs": {k: v[-KEEP:] for k, v in history.items()}}
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
