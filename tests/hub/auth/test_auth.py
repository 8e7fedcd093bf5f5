"""Users, passwords, tokens and throttling at the store level, and the users CLI."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.auth.models import ApiTokenRow, UserRow
from hub.auth.passwords import Passwords
from hub.auth.throttle import LoginThrottle
from hub.http import HttpComponent
from tests.hub.http.helpers import SITE

ROOT = Path(__file__).resolve().parents[3]


async def _store(hub_factory: Any, tmp_path: Path) -> Any:
    harness = await hub_factory(SITE.replace("{tmp}", str(tmp_path)).replace(
        "  - platform: test_camera\n    name: Gate camera\n    gate: main\n", "").replace(
        "  - platform: test_metal\n    name: Metal detector\n    gate: main\n", ""))
    http = harness.hub.components["http"]
    assert isinstance(http, HttpComponent)
    return http.store


async def test_passwords_hashed_with_argon2(hub_factory: Any, tmp_path: Path) -> None:
    """The database holds an argon2id hash, never the password; a wrong one is refused."""
    store = await _store(hub_factory, tmp_path)
    await store.add_user("anna", "guard", "correct horse 1")
    async with store.db.session() as session:
        row = await session.get(UserRow, "anna")
    assert row.password_hash.startswith("$argon2id$") and "correct horse" not in row.password_hash
    assert (await store.check_password("anna", "correct horse 1")) is not None
    assert await store.check_password("anna", "correct horse 2") is None
    assert await store.check_password("nobody", "correct horse 1") is None


async def test_tokens_hashed_at_rest(hub_factory: Any, tmp_path: Path) -> None:
    """Only a token's SHA-256 is stored; revoking it makes it useless."""
    store = await _store(hub_factory, tmp_path)
    await store.add_user("nvr", "police", "long password 1")
    token, info = await store.create_token("nvr", "nvr box")
    async with store.db.session() as session:
        stored = (await session.scalars(select(ApiTokenRow.token_hash))).all()
    assert token not in stored and len(stored[0]) == 64
    assert (await store.check_token(token)).name == "nvr"
    assert await store.revoke_token(info.id)
    assert await store.check_token(token) is None


def test_throttle_locks_and_expires() -> None:
    """Five failures in the window lock the key until the lockout passes."""
    now = [0.0]
    throttle = LoginThrottle(5, 60, 120, clock=lambda: now[0])
    for _ in range(4):
        throttle.failed("user:a")
    assert throttle.retry_after("user:a") == 0
    throttle.failed("user:a")
    assert throttle.retry_after("user:a") == 120
    now[0] = 121
    assert throttle.retry_after("user:a") == 0


def test_default_cost_is_rfc9106() -> None:
    """The default argon2 cost follows RFC 9106 (t=3, 64 MiB, p=4)."""
    hashed = Passwords().hash_blocking("a password")
    assert "$m=65536,t=3,p=4$" in hashed


@pytest.mark.timeout(180)
def test_users_cli(tmp_path: Path) -> None:
    """`campus-hub users add` and `users demo` create users; each change is in the audit log."""
    site = tmp_path / "site.yaml"
    site.write_text("hub:\n  data_dir: var\nhttp:\n  auth:\n"
                    "    argon2_time_cost: 1\n    argon2_memory_kib: 8192\n"
                    "    argon2_parallelism: 1\n")
    cli = [sys.executable, "-m", "hub", "users", "-c", str(site)]
    added = subprocess.run([*cli, "add", "anna", "--role", "guard", "--password-stdin"],
                           input="a long password\n", capture_output=True, text=True,
                           cwd=ROOT, timeout=120, check=False)
    assert added.returncode == 0, added.stderr
    demo = subprocess.run([*cli, "demo"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)
    assert demo.returncode == 0, demo.stderr
    lines = [line.split() for line in demo.stdout.splitlines()[1:]]
    assert [line[0] for line in lines] == ["admin", "guard", "police"]
    listed = subprocess.run([*cli, "list"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120, check=False)
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [
        ["admin", "admin"], ["anna", "guard"], ["guard", "guard"], ["police", "police"]]
    with sqlite3.connect(tmp_path / "var" / "campus-hub.db") as db:
        audit = db.execute("SELECT user, action, target FROM audit_log ORDER BY id").fetchall()
    assert audit == [("cli", "users.add", "anna"), ("cli", "users.demo", "admin"),
                     ("cli", "users.demo", "guard"), ("cli", "users.demo", "police")]
