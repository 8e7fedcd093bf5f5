"""The reference police receiver, run as police IT run it: replays are refused across restarts."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from hub.testing.net import free_port, wait_listening

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "police_receiver" / "police_receiver.py"
SECRET = b"test-secret-0123456789abcdef"
BODY = json.dumps({"schema_version": 1, "idempotency_key": "019a4f3c-r1", "event": "raised",
                   "incident": {"id": "019a4f3c", "category": "panic"}}).encode()


def _signed(body: bytes, key_header: str | None, stamp: int | None = None) -> dict[str, str]:
    """Headers as docs/police.md specifies: v1 = HMAC-SHA256(secret, timestamp "." body)."""
    stamp = int(time.time()) if stamp is None else stamp
    mac = hmac.new(SECRET, str(stamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-CampusHub-Timestamp": str(stamp),
               "X-CampusHub-Signature": f"v1={mac}"}
    if key_header is not None:
        headers["Idempotency-Key"] = key_header
    return headers


async def _start(tmp_path: Path, port: int) -> asyncio.subprocess.Process:
    """Start the receiver's command line on 127.0.0.1 and wait until it answers."""
    (tmp_path / "secret.txt").write_bytes(SECRET)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), "--secret-file", str(tmp_path / "secret.txt"),
        "--host", "127.0.0.1", "--port", str(port), "--log", str(tmp_path / "alarms.jsonl"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if await wait_listening(port, timeout=30, give_up=lambda: proc.returncode is not None):
        return proc
    if proc.returncode is None:
        proc.kill()
    raise AssertionError(f"the receiver did not start (exit status {proc.returncode})")


async def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body,
                                                                headers=headers) as resp:
        return resp.status, await resp.json()


def _stored(tmp_path: Path) -> list[str]:
    return (tmp_path / "alarms.jsonl").read_text().splitlines()


@pytest.mark.timeout(90)
async def test_replay_refused_by_signed_key_across_restart(tmp_path: Path) -> None:
    """A captured message replayed with a new Idempotency-Key, or after a restart, is kept once."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/campus-hub"
    captured = _signed(BODY, "019a4f3c-r1")
    proc = await _start(tmp_path, port)
    try:
        assert (await _post(url, BODY, captured))[0] == 200
        # The header is not signed: an attacker may leave it out or change it.
        status, answer = await _post(url, BODY, _signed(BODY, None))
        assert status == 200 and answer == {"duplicate": True}
        status, _ = await _post(url, BODY, _signed(BODY, "something-new"))
        assert status == 400
    finally:
        proc.kill()
        await proc.wait()
    assert len(_stored(tmp_path)) == 1
    proc = await _start(tmp_path, port)  # killed and restarted: the key is remembered
    try:
        status, answer = await _post(url, BODY, captured)  # the same request, still fresh
        assert status == 200 and answer == {"duplicate": True}
        other = BODY.replace(b"019a4f3c-r1", b"019a4f3c-r2")
        assert (await _post(url, other, _signed(other, "019a4f3c-r2")))[0] == 200
    finally:
        proc.terminate()
        await proc.wait()
    assert [json.loads(line)["idempotency_key"] for line in _stored(tmp_path)] == [
        "019a4f3c-r1", "019a4f3c-r2"]


async def test_keys_past_the_window_forgotten(tmp_path: Path) -> None:
    """Keys older than the remember window are dropped from the keys file at start."""
    spec = importlib.util.spec_from_file_location("police_receiver_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    police_receiver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(police_receiver)
    keys = tmp_path / "keys.jsonl"
    now = time.time()
    keys.write_text(json.dumps({"key": "old-r1", "at": now - 7200}) + "\n"
                    + json.dumps({"key": "new-r1", "at": now - 60}) + "\n" + '{"key": "cut')
    receiver = police_receiver.Receiver(SECRET, keys_file=keys, remember=3600)
    assert await receiver.load() == 1
    assert receiver.keys == {"new-r1"} and "old-r1" not in keys.read_text()
    # The window never shrinks below twice the timestamp tolerance.
    assert police_receiver.Receiver(SECRET, remember=10).seen.remember == 600
