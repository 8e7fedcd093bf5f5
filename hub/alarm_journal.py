"""Alarm presses that could not be stored yet, kept on disk until they are.

No alarm signal may be lost (GB 50394). When a press cannot be stored (the database is down,
say), its input keeps retrying and shows why; the press is also appended, fsynced, to
`<data_dir>/alarm_presses.jsonl`, so it outlives the hub process. At the next start every
press still open in the file is recorded again, oldest first. Delivery is at least once: a
press stored just before a crash, but not yet marked done, is recorded twice (a `repeated`
step on its incident) rather than never. The file is removed once every press in it is
stored. Blocking methods run in the hub's executor.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from .datadir import PRIVATE_FILE, private_dirs_blocking

_LOGGER = logging.getLogger(__name__)

__all__ = ["FILE_NAME", "PressJournal"]

FILE_NAME = "alarm_presses.jsonl"


class PressJournal:
    """An append-only file of presses not stored yet (`press`) and stored since (`done`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._open: set[str] = set()

    def append_blocking(self, press: dict[str, Any]) -> None:
        """Write one press (`id`, `entity_id`, `category`, `pressed_at`, `details`) durably."""
        self._write({"press": press})
        self._open.add(press["id"])

    def done_blocking(self, press_id: str) -> None:
        """Mark a press stored; remove the file when no press in it is open any more."""
        self._open.discard(press_id)
        if self._open:
            self._write({"done": press_id})
        else:
            self.path.unlink(missing_ok=True)

    def pending_blocking(self) -> list[dict[str, Any]]:
        """Return the presses still open in the file, oldest first (read at start)."""
        try:
            lines = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            return []
        presses: dict[str, dict[str, Any]] = {}
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
                if "press" in record:
                    presses[str(record["press"]["id"])] = record["press"]
                else:
                    presses.pop(str(record["done"]), None)
            except (ValueError, KeyError, TypeError):  # a line cut short by a crash
                _LOGGER.warning("%s:%d: unreadable line skipped", self.path, number)
        self._open = set(presses)
        return sorted(presses.values(), key=lambda p: float(p.get("pressed_at", 0)))

    def _write(self, record: dict[str, Any]) -> None:
        private_dirs_blocking(self.path.parent)
        data = json.dumps(record, ensure_ascii=True, allow_nan=False).encode() + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
