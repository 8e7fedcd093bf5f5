"""Users, roles, passwords, API tokens and panel sessions (used by hub.http)."""

from .roles import ALL_ROLES, RESPONDERS, STAFF, Role
from .store import AuthStore, Session, TokenInfo, User, UserExists

__all__ = ["ALL_ROLES", "RESPONDERS", "STAFF", "AuthStore", "Role", "Session", "TokenInfo",
           "User", "UserExists"]
