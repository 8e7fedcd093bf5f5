"""Console users, roles and sessions: argon2id passwords, HttpOnly cookie + CSRF header.

Roles: `city_admin` (everything), `dispatcher` (police: every school, acts on incidents,
broadcasts), `district_officer` (only the schools of their district), `viewer` (reads).
Every route names the roles it allows; anything else is denied.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aiohttp import web
from sqlalchemy import text

from hub.auth.passwords import Passwords, hash_secret, password_problem
from hub.auth.throttle import LoginThrottle

from ..db import CityDatabase

__all__ = [
    "ACTORS",
    "ALL",
    "COOKIE",
    "CSRF_HEADER",
    "USER_KEY",
    "ConsoleUser",
    "Role",
    "UserStore",
    "require",
]

COOKIE = "city_session"
CSRF_HEADER = "X-CSRF-Token"


class Role(StrEnum):
    """A console user's role."""

    CITY_ADMIN = "city_admin"
    DISPATCHER = "dispatcher"
    DISTRICT_OFFICER = "district_officer"
    VIEWER = "viewer"


ALL: frozenset[str] = frozenset(Role)
ACTORS: frozenset[str] = frozenset({Role.CITY_ADMIN, Role.DISPATCHER, Role.DISTRICT_OFFICER})


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """A logged-in user."""

    username: str
    role: str
    district: str | None
    csrf: str

    def sees(self, district: str) -> bool:
        """Return whether the user may see a school of `district`."""
        return self.role != Role.DISTRICT_OFFICER or district == self.district

    def as_dict(self) -> dict[str, Any]:
        """Return what the console shows about the user."""
        return {"username": self.username, "role": self.role, "district": self.district}


USER_KEY = web.RequestKey("city_user", ConsoleUser)


class UserStore:
    """Users and sessions in the platform's database."""

    def __init__(self, db: CityDatabase, session_hours: float,
                 passwords: Passwords | None = None) -> None:
        self._db = db
        self._ttl = session_hours * 3600
        self.passwords = passwords or Passwords()
        self.throttle = LoginThrottle(5, 300.0, 300.0)

    async def add(self, username: str, password: str, role: str,
                  district: str | None) -> None:
        """Create or replace a user (raises ValueError for a bad role or password)."""
        if role not in ALL:
            raise ValueError(f"role: expected one of {', '.join(sorted(ALL))}, got {role!r}")
        if role == Role.DISTRICT_OFFICER and not district:
            raise ValueError("district: a district officer needs a district")
        problem = password_problem(password)
        if problem:
            raise ValueError(f"password: {problem}")
        hashed = await asyncio.get_running_loop().run_in_executor(
            None, self.passwords.hash_blocking, password)
        async with self._db.engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO users (username, password_hash, role, district, created_at, "
                "disabled) VALUES (:u, :h, :r, :d, :now, false) ON CONFLICT (username) DO "
                "UPDATE SET password_hash = excluded.password_hash, role = excluded.role, "
                "district = excluded.district, disabled = false"),
                {"u": username, "h": hashed, "r": role, "d": district, "now": time.time()})

    async def login(self, username: str, password: str, ip: str) -> tuple[str, ConsoleUser]:
        """Check a password; return a new session secret and the user (PermissionError if wrong)."""
        if self.throttle.retry_after(username, ip) > 0:
            raise PermissionError("too many attempts; try again later")
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT password_hash, role, district FROM users WHERE username = :u "
                "AND NOT disabled"), {"u": username})).first()
        ok = await asyncio.get_running_loop().run_in_executor(
            None, self.passwords.check_blocking, row[0] if row else None, password)
        if not ok or row is None:
            self.throttle.failed(username, ip)
            raise PermissionError("wrong name or password")
        self.throttle.succeeded(username, ip)
        secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = time.time()
        async with self._db.engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO sessions (id_hash, username, csrf, created_at, expires_at) "
                "VALUES (:h, :u, :c, :now, :exp)"),
                {"h": hash_secret(secret), "u": username, "c": csrf, "now": now,
                 "exp": now + self._ttl})
        return secret, ConsoleUser(username, row[1], row[2], csrf)

    async def session_user(self, secret: str) -> ConsoleUser | None:
        """Return the user of a live session."""
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT u.username, u.role, u.district, s.csrf FROM sessions s JOIN users u "
                "ON u.username = s.username WHERE s.id_hash = :h AND s.expires_at > :now "
                "AND NOT u.disabled"), {"h": hash_secret(secret), "now": time.time()})).first()
        return ConsoleUser(row[0], row[1], row[2], row[3]) if row else None

    async def logout(self, secret: str) -> None:
        """End a session."""
        async with self._db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM sessions WHERE id_hash = :h"),
                               {"h": hash_secret(secret)})

    async def audit(self, user: ConsoleUser, action: str, detail: dict[str, Any]) -> None:
        """Record who did what."""
        async with self._db.engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO audit (at, username, action, detail) VALUES (:at, :u, :a, :d)"),
                {"at": time.time(), "u": user.username, "a": action, "d": json.dumps(detail)})


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STORE_KEY = web.AppKey("city_users", UserStore)


def require(roles: frozenset[str]) -> Callable[[Handler], Handler]:
    """Decorate a handler: a session with one of `roles` (and CSRF on writes) is required."""

    def wrap(handler: Handler) -> Handler:
        async def checked(request: web.Request) -> web.StreamResponse:
            secret = request.cookies.get(COOKIE)
            user = await request.app[STORE_KEY].session_user(secret) if secret else None
            if user is None:
                raise web.HTTPUnauthorized(text='{"message":"log in first"}',
                                           content_type="application/json")
            if request.method not in ("GET", "HEAD") and not hmac.compare_digest(
                    request.headers.get(CSRF_HEADER, ""), user.csrf):
                raise web.HTTPForbidden(text='{"message":"missing or wrong CSRF token"}',
                                        content_type="application/json")
            if user.role not in roles:
                raise web.HTTPForbidden(text='{"message":"your role may not do this"}',
                                        content_type="application/json")
            request[USER_KEY] = user
            return await handler(request)

        checked.roles = roles  # type: ignore[attr-defined]
        return checked

    return wrap
