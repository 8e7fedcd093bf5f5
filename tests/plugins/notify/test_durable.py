"""Messages waiting when the hub dies (kill -9) are sent after the restart; a bad record
costs no other. The WeCom double is written from WeCom's robot docs (doubles.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub.notify import Notification
from hub.notify.component import manager_of
from hub.testing import wait_for
from hub.testing.net import free_port
from tests.plugins.notify.doubles import WeComDouble, serve

HubFactory = Callable[..., Any]
KEY = "693a91f6-0000-4bc4-97a0-0ec2durable0"
ROOT = Path(__file__).resolve().parents[3]


def _yaml(url: str) -> str:
    return (f"notify:\n  - platform: wecom\n    name: duty\n    key: {KEY}\n"
            f"    base_url: {url}\n"
            "    retry: {max_attempts: 100, initial_delay: 30, max_delay: 60}\n")


def _pending(journal: Path) -> list[str]:
    """Return the keys the journal holds as queued and not done."""
    if not journal.exists():
        return []
    lines = [json.loads(raw) for raw in journal.read_text(encoding="utf-8").splitlines()
             if raw.startswith("{") and raw.endswith("}")]
    done = {line["key"] for line in lines if line["op"] == "done"}
    return [line["key"] for line in lines if line["op"] == "add" and line["key"] not in done]


async def _kill_with_pending(tmp_path: Path, messages: list[str]) -> None:
    """Run a hub process whose robot is down, queue `messages`, kill -9 it once stored."""
    config = tmp_path / "site.yaml"
    await asyncio.to_thread(config.write_text, _yaml(f"http://127.0.0.1:{free_port()}"))
    calls = json.dumps([["notify", "duty", {"message": m, "title": "Alarm"}] for m in messages])
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.hub.restart_child", str(config), calls, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    journal = tmp_path / "var" / "notify" / "duty.jsonl"
    try:
        async with asyncio.timeout(60):
            while len(await asyncio.to_thread(_pending, journal)) < len(messages):
                assert proc.returncode is None, "the hub process ended"
                await asyncio.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()


@pytest.mark.timeout(120)
async def test_messages_waiting_at_a_kill_are_sent_after_the_restart(
    hub_factory: HubFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """Three messages wait for a robot that is down; the hub is killed (-9). The journal
    gets a damaged line (a torn write). Restarted with the robot up: the three are sent,
    once each; the damaged line is named in the log (file:line) and costs no other."""
    await _kill_with_pending(tmp_path, ["north gate panic", "south gate panic", "fence"])
    journal = tmp_path / "var" / "notify" / "duty.jsonl"
    text = await asyncio.to_thread(journal.read_text, encoding="utf-8")
    lines = text.splitlines(keepends=True)
    damaged = [*lines[:1], '{"op": "add", "key": \n', *lines[1:]]
    await asyncio.to_thread(journal.write_text, "".join(damaged), encoding="utf-8")
    robot = WeComDouble(KEY)
    caplog.set_level(logging.ERROR, "hub.notify")
    async with serve(robot.app()) as url:
        h = await hub_factory(_yaml(url))
        await wait_for(lambda: len(robot.received) == 3)
        await asyncio.sleep(0.1)  # nothing more comes
    contents = sorted(r["markdown"]["content"] for r in robot.received)
    assert contents == ["### Alarm\nfence", "### Alarm\nnorth gate panic",
                        "### Alarm\nsouth gate panic"]
    assert "duty.jsonl:2: " in caplog.text
    for _ in range(250):  # each is stored as sent
        if not await asyncio.to_thread(_pending, journal):
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("messages still pending in the journal")
    assert manager_of(h.hub).status()[0]["sent"] == 3


async def test_the_journal_is_rewritten_as_it_grows(hub_factory: HubFactory,
                                                    tmp_path: Path) -> None:
    """Every `compact_after` lines the journal is rewritten with only what is still needed:
    30 messages sent leave far fewer than their 60 lines, and nothing is sent again."""
    robot = WeComDouble(KEY, per_minute=1000)
    async with serve(robot.app()) as url:
        yaml = _yaml(url) + "    rate_limit: {messages: 1000}\n"
        h = await hub_factory(yaml)
        manager = manager_of(h.hub)
        manager.outbox.compact_after = 10
        for n in range(30):
            await manager.send("duty", Notification(f"message {n}"))
        journal = tmp_path / "var" / "notify" / "duty.jsonl"
        text = await asyncio.to_thread(journal.read_text, encoding="utf-8")
        assert len(text.splitlines()) < 45  # 60 without the rewrite
        await h.hub.stop()
        h2 = await hub_factory(yaml)
        await asyncio.sleep(0.2)
        assert manager_of(h2.hub).status()[0]["sent"] == 0 and len(robot.received) == 30
