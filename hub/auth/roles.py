"""Roles and what each may do in general; routes and services name the roles they allow."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALL_ROLES", "RESPONDERS", "STAFF", "Role"]


class Role(StrEnum):
    """A user's role."""

    ADMIN = "admin"
    GUARD = "guard"
    POLICE = "police"
    VIEWER = "viewer"


ALL_ROLES: frozenset[str] = frozenset(Role)
STAFF: frozenset[str] = frozenset({Role.ADMIN, Role.GUARD})
RESPONDERS: frozenset[str] = frozenset({Role.ADMIN, Role.GUARD, Role.POLICE})
