"""JPEG snapshots over HTTP with digest or basic auth on a shared aiohttp session."""

from __future__ import annotations

from typing import Literal

import aiohttp

__all__ = ["SnapshotError", "fetch_snapshot"]


class SnapshotError(Exception):
    """The snapshot URL did not give a picture (refused, HTTP error, no answer)."""


async def fetch_snapshot(
    session: aiohttp.ClientSession, url: str, *, username: str | None = None,
    password: str | None = None, auth: Literal["auto", "digest", "basic"] = "auto",
    timeout: float = 10.0,
) -> bytes:  # fmt: skip
    """GET `url`; raise SnapshotError on anything but a 200 answer.

    `auto` answers the camera's challenge: digest, or basic when it asks for basic.
    """
    shown = url.split("@")[-1]
    try:
        if username is None:
            return await _get(session, url, shown, timeout)
        if auth == "basic":
            return await _get(session, url, shown, timeout, basic=(username, password or ""))
        try:
            digest = aiohttp.DigestAuthMiddleware(username, password or "")
            return await _get(session, url, shown, timeout, middleware=digest)
        except _BasicWanted:
            if auth != "auto":
                raise SnapshotError(f"{shown}: HTTP 401 (the camera asks for basic auth)") from None
            return await _get(session, url, shown, timeout, basic=(username, password or ""))
    except TimeoutError as err:
        raise SnapshotError(f"{shown}: no answer within {timeout:g} s") from err
    except aiohttp.ClientError as err:
        raise SnapshotError(f"{shown}: {err}") from err


class _BasicWanted(SnapshotError):
    """A 401 whose challenge is Basic."""


async def _get(
    session: aiohttp.ClientSession, url: str, shown: str, timeout: float, *,
    basic: tuple[str, str] | None = None, middleware: aiohttp.DigestAuthMiddleware | None = None,
) -> bytes:  # fmt: skip
    headers = {"Authorization": aiohttp.encode_basic_auth(*basic)} if basic else {}
    middlewares = (middleware,) if middleware is not None else ()
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with session.get(
        url, headers=headers, middlewares=middlewares, timeout=client_timeout
    ) as resp:
        if resp.status == 401 and resp.headers.get("WWW-Authenticate", "").startswith("Basic"):
            raise _BasicWanted(f"{shown}: HTTP 401")
        if resp.status != 200:
            raise SnapshotError(f"{shown}: HTTP {resp.status}")
        return await resp.read()
