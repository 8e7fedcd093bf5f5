"""Auth API: login and logout (panel sessions), users, API tokens, the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..auth.passwords import hash_secret, password_problem
from ..auth.roles import ALL_ROLES
from ..auth.store import UserExists
from ..bus import Context
from ..hubkey import RECORDER
from .errors import ApiError
from .routing import Route, body, json_response, principal, query
from .schemas import PageQuery, page, page_offset
from .security import client_ip

if TYPE_CHECKING:
    from .server import HttpComponent

__all__ = ["auth_routes"]

RoleName = Literal["admin", "guard", "police", "viewer"]
_NAME = r"^[A-Za-z0-9_.@-]+$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    """Name and password."""

    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


def _check_password(value: str | None) -> str | None:
    if value is not None and (problem := password_problem(value)):
        raise ValueError(problem)
    return value


class UserIn(_In):
    """A new user."""

    name: str = Field(min_length=1, max_length=64, pattern=_NAME)
    role: RoleName
    password: str
    display_name: str = Field(default="", max_length=128)

    _pw = field_validator("password")(_check_password)


class UserPatch(_In):
    """Changes to a user; leave out what stays."""

    role: RoleName | None = None
    disabled: bool | None = None
    password: str | None = None
    display_name: str | None = Field(default=None, max_length=128)

    _pw = field_validator("password")(_check_password)


class TokenIn(_In):
    """A new API token for a user (the caller when `user` is left out)."""

    name: str = Field(min_length=1, max_length=128)
    user: str | None = Field(default=None, max_length=64)


class AuditQuery(PageQuery):
    """Filter the audit log by user, action or target."""

    user: str | None = Field(default=None, max_length=64)
    action: str | None = Field(default=None, max_length=128)
    target: str | None = Field(default=None, max_length=256)


def auth_routes(http: HttpComponent) -> list[Route]:
    """Return the auth, user, token and audit routes."""
    store, hub, cfg = http.store, http.hub, http.config

    async def login(request: web.Request) -> Any:
        data = body(request, LoginIn)
        keys = (f"user:{data.name.lower()}", f"ip:{client_ip(request, cfg)}")
        wait = http.auth.throttle.begin(*keys)  # counted before the slow hash
        if wait > 0:
            raise ApiError(429, "throttled", f"too many failed logins; try again in "
                           f"{int(wait) + 1} s", headers={"Retry-After": str(int(wait) + 1)})
        user = await store.check_password(data.name, data.password)
        if user is None:
            # Strangers' failures are audited within a budget, then in summary (refusals.py);
            # an audited one is stored before the answer, like a successful login.
            await http.refusals.refused_committed("auth.login_failed", client_ip(request, cfg),
                                                  {"ip": client_ip(request, cfg)},
                                                  target=data.name)
            raise ApiError(401, "bad_credentials", "wrong name or password",
                           [("body.password", "wrong name or password")])
        http.auth.throttle.succeeded(*keys)
        secret, session = await store.create_session(user, cfg.auth.session_hours)
        # Committed before the session cookie is sent: a login always has its row (issue 10).
        await hub.audit_committed("auth.login", target=user.name,
                                  details={"ip": client_ip(request, cfg)},
                                  context=Context(user.name, "panel"))
        response = json_response({"user": user.as_dict(), "csrf_token": session.csrf_token})
        secure = (cfg.cookie_secure if cfg.cookie_secure is not None
                  else hub.config.core.external_url.startswith("https://"))
        response.set_cookie(cfg.cookie_name, secret, httponly=True, samesite="Strict",
                            secure=secure, path="/",
                            max_age=int(cfg.auth.session_hours * 3600))
        return response

    async def logout(request: web.Request) -> Any:
        secret = request.cookies.get(cfg.cookie_name)
        if secret:
            await store.end_session(secret)
            http.close_credential_websockets(hash_secret(secret))
        response = json_response({"logged_out": True})
        response.del_cookie(cfg.cookie_name, path="/")
        return response

    async def list_users(_request: web.Request) -> Any:
        return [u.as_dict() for u in await store.list_users()]

    async def add_user(request: web.Request) -> Any:
        data = body(request, UserIn)
        try:
            user = await store.add_user(data.name, data.role, data.password, data.display_name)
        except UserExists:
            raise ApiError(409, "exists", f"body.name: user '{data.name}' exists",
                           [("body.name", "a user of this name exists")]) from None
        return json_response(user.as_dict(), 201)

    async def patch_user(request: web.Request) -> Any:
        data = body(request, UserPatch)
        name = request.match_info["name"]
        if name == principal(request).user.name and (data.disabled or data.role not in (
                None, "admin")):
            raise ApiError(422, "invalid_input", "admins cannot demote or disable themselves",
                           [("body.role", "cannot change your own role")])
        user = await store.update_user(name, role=data.role, disabled=data.disabled,
                                       password=data.password, display_name=data.display_name)
        if user is None:
            raise ApiError(404, "not_found", f"no user '{name}'", [("path.name", "unknown")])
        if data.disabled or data.password or data.role:  # live connections re-authenticate
            http.close_user_websockets(name)
        return user.as_dict()

    async def list_tokens(_request: web.Request) -> Any:
        return [t.as_dict() for t in await store.list_tokens()]

    async def add_token(request: web.Request) -> Any:
        data = body(request, TokenIn)
        owner = data.user or principal(request).user.name
        if await store.get_user(owner) is None:
            raise ApiError(422, "invalid_input", f"body.user: no user '{owner}'",
                           [("body.user", "unknown user")])
        token, info = await store.create_token(owner, data.name)
        return json_response({**info.as_dict(), "token": token}, 201)

    async def revoke_token(request: web.Request) -> Any:
        token_id = request.match_info["token_id"]
        if not await store.revoke_token(token_id):
            raise ApiError(404, "not_found", f"no token '{token_id}'",
                           [("path.token_id", "unknown")])
        http.close_credential_websockets(token_id)
        return {"revoked": token_id}

    async def audit(request: web.Request) -> Any:
        q = query(request, AuditQuery)
        recorder = hub.components.get(RECORDER)
        queries = recorder.queries if recorder is not None else None
        if queries is not None:  # the durable log
            try:
                found = await queries.audit(user=q.user, action=q.action, target=q.target,
                                            limit=q.limit, cursor=q.cursor)
            except ValueError as exc:
                raise ApiError(422, "invalid_input", f"query.{exc}",
                               [("query.cursor", str(exc))]) from None
            return page(found.items, q, next_cursor=found.next_cursor)
        items, total = http.audit_log.query(user=q.user, action=q.action, target=q.target,
                                            limit=q.limit, offset=page_offset(q))
        return page([e.as_dict() for e in items], q, total=total)

    admin = frozenset({"admin"})
    return [
        Route("POST", "/api/auth/login", login, public=True, body=LoginIn, tags=("auth",),
              summary="Log in to the panel: sets an HttpOnly session cookie, returns the "
              "CSRF token."),
        Route("POST", "/api/auth/logout", logout, ALL_ROLES, "End the panel session.",
              tags=("auth",)),
        Route("GET", "/api/users", list_users, admin, "Every user.", tags=("admin",)),
        Route("POST", "/api/users", add_user, admin, "Create a user.", body=UserIn,
              tags=("admin",)),
        Route("PATCH", "/api/users/{name}", patch_user, admin,
              "Change a user's role, password, or disable them.", body=UserPatch,
              tags=("admin",)),
        Route("GET", "/api/tokens", list_tokens, admin, "Every API token (never the secret).",
              tags=("admin",)),
        Route("POST", "/api/tokens", add_token, admin,
              "Create a long-lived API token; the token is shown only in this answer.",
              body=TokenIn, tags=("admin",)),
        Route("DELETE", "/api/tokens/{token_id}", revoke_token, admin, "Revoke a token.",
              tags=("admin",)),
        Route("GET", "/api/audit", audit, admin, "The audit log, newest first.",
              query=AuditQuery, tags=("admin",)),
    ]
