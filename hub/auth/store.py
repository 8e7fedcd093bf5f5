"""Users, API tokens and sessions in the database."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from ..recorder.db import Database, utcnow
from .models import ApiTokenRow, SessionRow, UserRow
from .passwords import Passwords, hash_secret, new_secret
from .roles import ALL_ROLES

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["AuthStore", "Session", "TokenAuth", "TokenInfo", "User", "UserExists"]

TOKEN_PREFIX = "chub_"
_TOUCH_EVERY = dt.timedelta(seconds=60)


class UserExists(ValueError):
    """A user of that name exists already."""


@dataclass(slots=True, frozen=True)
class User:
    """An authenticated user."""

    name: str
    role: str
    display_name: str = ""
    disabled: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the user as a JSON-ready dict (no secrets)."""
        return {"name": self.name, "role": self.role, "display_name": self.display_name,
                "disabled": self.disabled}


@dataclass(slots=True, frozen=True)
class Session:
    """A panel session: who, and the CSRF token that must accompany unsafe requests."""

    user: User
    csrf_token: str
    expires_at: dt.datetime
    #: The stored hash of the cookie value: names the session without revealing it.
    key: str = ""


@dataclass(slots=True, frozen=True)
class TokenAuth:
    """A valid API token's user and the token's id (for revocation checks)."""

    user: User
    token_id: str


@dataclass(slots=True, frozen=True)
class TokenInfo:
    """An API token's metadata (never the token itself)."""

    id: str
    user_name: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        """Return the token's metadata as a JSON-ready dict."""
        return {"id": self.id, "user": self.user_name, "name": self.name,
                "created_at": self.created_at.isoformat(),
                "last_used_at": _iso(self.last_used_at), "revoked_at": _iso(self.revoked_at)}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _user(row: UserRow) -> User:
    return User(row.name, row.role, row.display_name, row.disabled)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes even for timezone=True columns.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class AuthStore:
    """Reads and writes users, tokens and sessions; password hashing runs off the loop."""

    def __init__(self, hub: Hub, db: Database, passwords: Passwords | None = None) -> None:
        self.hub = hub
        self._hub = hub
        self.db = db
        self.passwords = passwords or Passwords()

    # ------------------------------------------------------------------ users

    async def add_user(self, name: str, role: str, password: str, display_name: str = "") -> User:
        """Create a user; raise UserExists if the name is taken."""
        if role not in ALL_ROLES:
            raise ValueError(f"unknown role {role!r}")
        password_hash = await self._hub.run_blocking(self.passwords.hash_blocking, password)
        async with self.db.session() as session:
            if await session.get(UserRow, name) is not None:
                raise UserExists(name)
            session.add(UserRow(name=name, role=role, password_hash=password_hash,
                                display_name=display_name))
            await session.commit()
        _LOGGER.info("User %s created with role %s", name, role)
        return User(name, role, display_name)

    async def get_user(self, name: str) -> User | None:
        """Return a user by name, or None."""
        async with self.db.session() as session:
            row = await session.get(UserRow, name)
            return _user(row) if row else None

    async def list_users(self) -> list[User]:
        """Return every user, by name."""
        async with self.db.session() as session:
            rows = (await session.scalars(select(UserRow).order_by(UserRow.name))).all()
            return [_user(r) for r in rows]

    async def update_user(self, name: str, *, role: str | None = None,
                          disabled: bool | None = None, password: str | None = None,
                          display_name: str | None = None) -> User | None:
        """Change a user's role, password or disabled flag; return None if unknown."""
        new_hash = (await self._hub.run_blocking(self.passwords.hash_blocking, password)
                    if password else None)
        async with self.db.session() as session:
            row = await session.get(UserRow, name)
            if row is None:
                return None
            if role is not None:
                row.role = role
            if disabled is not None:
                row.disabled = disabled
            if display_name is not None:
                row.display_name = display_name
            if new_hash is not None:
                row.password_hash = new_hash
            if disabled or new_hash is not None:  # end the user's sessions
                await session.execute(delete(SessionRow).where(SessionRow.user_name == name))
            await session.commit()
            return _user(row)

    async def check_password(self, name: str, password: str) -> User | None:
        """Return the user when name and password match and the user is enabled."""
        async with self.db.session() as session:
            row = await session.get(UserRow, name)
        stored = row.password_hash if row is not None else None
        ok = await self._hub.run_blocking(self.passwords.check_blocking, stored, password)
        if not ok or row is None or row.disabled:
            return None
        return _user(row)

    # ------------------------------------------------------------------ sessions

    async def create_session(self, user: User, hours: float) -> tuple[str, Session]:
        """Start a session; return the cookie value (shown once) and the session."""
        secret = new_secret()
        expires = utcnow() + dt.timedelta(hours=hours)
        csrf = secrets.token_urlsafe(32)
        async with self.db.session() as session:
            session.add(SessionRow(id_hash=hash_secret(secret), user_name=user.name,
                                   csrf_token=csrf, expires_at=expires))
            await session.commit()
        return secret, Session(user, csrf, expires, hash_secret(secret))

    async def get_session(self, secret: str) -> Session | None:
        """Return the live session for a cookie value, or None."""
        return await self.session_by_key(hash_secret(secret))

    async def session_by_key(self, key: str) -> Session | None:
        """Return the live session stored under `key` (the cookie value's hash), or None."""
        async with self.db.session() as session:
            row = await session.get(SessionRow, key)
            if row is None:
                return None
            if _aware(row.expires_at) < utcnow():
                await session.delete(row)
                await session.commit()
                return None
            user = await session.get(UserRow, row.user_name)
            if user is None or user.disabled:
                return None
            return Session(_user(user), row.csrf_token, _aware(row.expires_at), key)

    async def end_session(self, secret: str) -> None:
        """Log a session out."""
        async with self.db.session() as session:
            row = await session.get(SessionRow, hash_secret(secret))
            if row is not None:
                await session.delete(row)
                await session.commit()

    # ------------------------------------------------------------------ API tokens

    async def create_token(self, user_name: str, name: str) -> tuple[str, TokenInfo]:
        """Create an API token for a user; return the token (shown once) and its metadata."""
        token = new_secret(TOKEN_PREFIX)
        row = ApiTokenRow(id=secrets.token_hex(8), user_name=user_name, name=name,
                          token_hash=hash_secret(token), created_at=utcnow())
        async with self.db.session() as session:
            session.add(row)
            await session.commit()
        return token, _token_info(row)

    async def check_token(self, token: str) -> User | None:
        """Return the user of a valid, unrevoked token; note when it was last used."""
        found = await self.token_auth(token)
        return found.user if found else None

    async def token_auth(self, token: str) -> TokenAuth | None:
        """Return the user and id of a valid, unrevoked token; note when it was last used."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        async with self.db.session() as session:
            row = await session.scalar(select(ApiTokenRow).where(
                ApiTokenRow.token_hash == hash_secret(token)))
            if row is None or row.revoked_at is not None:
                return None
            user = await session.get(UserRow, row.user_name)
            if user is None or user.disabled:
                return None
            now = utcnow()
            if row.last_used_at is None or now - _aware(row.last_used_at) > _TOUCH_EVERY:
                # At most one write a minute per token: integrations poll often.
                await session.execute(update(ApiTokenRow).where(ApiTokenRow.id == row.id)
                                      .values(last_used_at=now))
                await session.commit()
            return TokenAuth(_user(user), row.id)

    async def token_user(self, token_id: str) -> User | None:
        """Return the enabled user of an unrevoked token by its id, or None."""
        async with self.db.session() as session:
            row = await session.get(ApiTokenRow, token_id)
            if row is None or row.revoked_at is not None:
                return None
            user = await session.get(UserRow, row.user_name)
            return _user(user) if user is not None and not user.disabled else None

    async def list_tokens(self, user_name: str | None = None) -> list[TokenInfo]:
        """Return tokens (of one user, or all), newest first."""
        query = select(ApiTokenRow).order_by(ApiTokenRow.created_at.desc())
        if user_name is not None:
            query = query.where(ApiTokenRow.user_name == user_name)
        async with self.db.session() as session:
            return [_token_info(r) for r in (await session.scalars(query)).all()]

    async def revoke_token(self, token_id: str, user_name: str | None = None) -> bool:
        """Revoke a token (only the user's own when user_name is given); return if found."""
        async with self.db.session() as session:
            row = await session.get(ApiTokenRow, token_id)
            if row is None or (user_name is not None and row.user_name != user_name):
                return False
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                await session.commit()
            return True


def _token_info(row: ApiTokenRow) -> TokenInfo:
    return TokenInfo(row.id, row.user_name, row.name, _aware(row.created_at),
                     _aware(row.last_used_at) if row.last_used_at else None,
                     _aware(row.revoked_at) if row.revoked_at else None)
