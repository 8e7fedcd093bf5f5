"""Password hashing with argon2id; hashing runs in an executor because it is slow on purpose."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["Passwords", "hash_secret", "new_secret", "password_problem"]

MIN_LENGTH = 8


class Passwords:
    """argon2id hashing with configurable cost (defaults: RFC 9106's second recommendation).

    Both methods are slow on purpose: run them in an executor.
    """

    def __init__(self, time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 4) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib,
                                      parallelism=parallelism)
        self._dummy: str | None = None

    def hash_blocking(self, password: str) -> str:
        """Return the argon2id hash of a password."""
        return self._hasher.hash(password)

    def check_blocking(self, password_hash: str | None, password: str) -> bool:
        """Return whether the password matches; verifies a dummy hash when there is no user."""
        if self._dummy is None:
            # A real hash to verify when the user does not exist: timing does not reveal names.
            self._dummy = self._hasher.hash("campus-hub-dummy-password")
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and bool(
                password_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def password_problem(password: str) -> str | None:
    """Return why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > 256:
        return "must be at most 256 characters"
    return None


def new_secret(prefix: str = "") -> str:
    """Return a new random secret (a session id or an API token)."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Return the SHA-256 of a high-entropy secret (tokens and session ids, not passwords)."""
    return hashlib.sha256(secret.encode()).hexdigest()
