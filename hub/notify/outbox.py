"""Durable notify messages: a journal per channel, <data_dir>/notify/<channel>.jsonl.

A message is appended (fsynced) when it is queued, and a `done` line (sent or failed) when
its channel is finished with it, so messages waiting when the hub stops are sent after the
restart. Lines are written in batches: one write and one fsync per batch, whatever the burst.
Keys of done messages are kept `KEEP_DONE` seconds: a message queued again under the same
key (an escalation step repeated after a restart) is not sent twice. At start the journal
is read line by line (a line that cannot be read is logged as file:line and skipped; the
others load) and rewritten with only what is still needed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import Notification

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["FAILED", "KEEP_DONE", "PENDING", "SENT", "NotifyOutbox", "Record"]

#: how long a sent or failed message's key is remembered (seconds)
KEEP_DONE = 7 * 86_400
PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(slots=True)
class Record:
    """One message of one channel, as stored."""

    channel: str
    key: str
    notification: Notification
    created_at: float
    status: str = PENDING

    def line(self) -> dict[str, Any]:
        """Return the journal line that queues it."""
        return {"op": "add", "key": self.key, "created_at": self.created_at,
                "notification": asdict(self.notification)}


def _notification(raw: Any) -> Notification:
    if not isinstance(raw, dict) or not isinstance(raw.get("message"), str):
        raise ValueError("notification: expected an object with a text 'message'")
    fmt = raw.get("format", "markdown")
    if fmt not in ("text", "markdown"):
        raise ValueError(f"notification.format: {fmt!r} is not text or markdown")
    priority = raw.get("priority")
    return Notification(raw["message"], str(raw.get("title", "")), fmt,
                        tuple(str(m) for m in raw.get("mention_mobiles") or ()),
                        bool(raw.get("mention_all")), raw.get("incident_id"),
                        int(priority) if priority is not None else None,
                        dict(raw.get("data") or {}),
                        str(raw["key"]) if raw.get("key") is not None else None)


def _apply(line: Any, channel: str, pending: dict[str, Record],
           done: dict[str, float]) -> None:
    if not isinstance(line, dict) or not isinstance(line.get("key"), str):
        raise ValueError("expected an object with a text 'key'")
    key, op = line["key"], line.get("op")
    if op == "add":
        if key not in done:
            pending[key] = Record(channel, key, _notification(line.get("notification")),
                                  float(line.get("created_at", 0)))
    elif op == "done":
        if line.get("status") not in (SENT, FAILED):
            raise ValueError(f"status: {line.get('status')!r} is not sent or failed")
        pending.pop(key, None)
        done[key] = float(line.get("at", 0))
    else:
        raise ValueError(f"op: {op!r} is not add or done")


def _append_blocking(path: Path, lines: list[str], sync: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(lines))
        if sync:
            handle.flush()
            os.fsync(handle.fileno())


def _load_blocking(path: Path, channel: str,
                   now: float) -> tuple[list[Record], dict[str, float]]:
    """Read a journal; rewrite it with the pending messages and the recent done keys."""
    pending: dict[str, Record] = {}
    done: dict[str, float] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], done
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            _apply(json.loads(raw), channel, pending, done)
        except (ValueError, TypeError) as exc:
            _LOGGER.error("notify outbox: %s:%d: %s; line skipped", path, number, exc)
    done = {k: at for k, at in done.items() if at >= now - KEEP_DONE}
    _rewrite_blocking(path, done, list(pending.values()))
    return sorted(pending.values(), key=lambda r: r.created_at), done


def _rewrite_blocking(path: Path, done: dict[str, float], pending: list[Record]) -> None:
    """Replace a journal with the done keys and the pending messages (fsynced, atomic)."""
    lines = [json.dumps({"op": "done", "key": k, "status": SENT, "at": at}) + "\n"
             for k, at in done.items()]
    lines += [json.dumps(r.line(), ensure_ascii=False, default=str) + "\n" for r in pending]
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    _append_blocking(tmp, lines, True)
    os.replace(tmp, path)


class NotifyOutbox:
    """The journals of every channel; `done(channel, key)` answers from memory.

    A journal is rewritten with only what is still needed at start and after every
    `compact_after` lines, so it stays small however long the hub runs.
    """

    #: lines appended to a journal before it is rewritten
    compact_after = 5000

    def __init__(self, hub: Hub, folder: Path) -> None:
        self.hub = hub
        self.folder = folder
        self._done: dict[str, dict[str, float]] = {}  # channel -> key -> when done
        self._pending: dict[str, dict[str, Record]] = {}
        self._lines: dict[str, int] = {}  # lines appended since the last rewrite
        self._batch: dict[str, list[tuple[str, bool, asyncio.Future[None]]]] = {}
        self._writing: dict[str, asyncio.Task[None]] = {}

    def path(self, channel: str) -> Path:
        """Return a channel's journal."""
        return self.folder / f"{channel}.jsonl"

    async def load(self, channel: str) -> list[Record]:
        """Return the channel's pending messages; remember the keys of the done ones."""
        pending, done = await self.hub.run_blocking(_load_blocking, self.path(channel),
                                                    channel, time.time())
        self._done.setdefault(channel, {}).update(done)
        self._pending.setdefault(channel, {}).update((r.key, r) for r in pending)
        return pending

    def done(self, channel: str, key: str) -> bool:
        """Return whether a message with this key was already sent or given up."""
        return key in self._done.get(channel, ())

    async def save(self, record: Record) -> None:
        """Store a queued message; return once it is on disk (fsynced)."""
        self._pending.setdefault(record.channel, {})[record.key] = record
        line = json.dumps(record.line(), ensure_ascii=False, default=str) + "\n"
        await self._write(record.channel, line, sync=True)

    async def finish(self, record: Record, status: str) -> None:
        """Store that a message was sent or given up; its key is remembered.

        Not fsynced: after a power cut the message may be sent once more, never lost.
        """
        now = time.time()
        self._done.setdefault(record.channel, {})[record.key] = now
        self._pending.get(record.channel, {}).pop(record.key, None)
        record.status = status
        line = json.dumps({"op": "done", "key": record.key, "status": status,
                           "at": now}) + "\n"
        await self._write(record.channel, line, sync=False)

    async def _write(self, channel: str, line: str, *, sync: bool) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._batch.setdefault(channel, []).append((line, sync, future))
        if channel not in self._writing:
            self._writing[channel] = self.hub.create_task(
                self._writer(channel), name=f"notify outbox {channel}")
        await future

    async def _writer(self, channel: str) -> None:
        """Write what gathered while the last batch was written; one fsync per batch."""
        try:
            while batch := self._batch.pop(channel, []):
                try:
                    await self.hub.run_blocking(
                        _append_blocking, self.path(channel), [b[0] for b in batch],
                        any(b[1] for b in batch))
                except Exception as exc:
                    for _line, _sync, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for _line, _sync, future in batch:
                    if not future.done():
                        future.set_result(None)
                self._lines[channel] = self._lines.get(channel, 0) + len(batch)
                if self._lines[channel] >= self.compact_after:
                    await self._compact(channel)
        finally:
            del self._writing[channel]

    async def _compact(self, channel: str) -> None:
        """Rewrite a journal with the pending messages and the done keys still kept."""
        cutoff = time.time() - KEEP_DONE
        done = {k: at for k, at in self._done.get(channel, {}).items() if at >= cutoff}
        self._done[channel] = done
        self._lines[channel] = 0
        try:
            await self.hub.run_blocking(_rewrite_blocking, self.path(channel), dict(done),
                                        list(self._pending.get(channel, {}).values()))
        except OSError as exc:  # the journal as it was stays valid
            _LOGGER.error("notify outbox: %s not rewritten: %s", self.path(channel), exc)
