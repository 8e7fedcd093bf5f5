"""JPEG snapshots over HTTP with digest or basic auth on a shared aiohttp session."""

from __future__ import annotations

from typing import Literal

import aiohttp

__all__ = ["SnapshotError", "fetch_snapshot"]


class SnapshotError(Exception):
    """The snapshot URL did not give a picture (refused, HTTP error, no answer)."""


async def fetch_snapshot(
    session: aiohttp.ClientSession, url: str, *, username: str | None = None,
    password: str | None = None, auth: Literal["digest", "basic"] = "digest",
    timeout: float = 10.0,
) -> bytes:  # fmt: skip
    """GET `url`; raise SnapshotError on anything but a 200 answer."""
    kwargs: dict[str, object] = {"timeout": aiohttp.ClientTimeout(total=timeout)}
    if username is not None and auth == "digest":
        kwargs["middlewares"] = (aiohttp.DigestAuthMiddleware(username, password or ""),)
    elif username is not None:
        kwargs["headers"] = {"Authorization": aiohttp.encode_basic_auth(username, password or "")}
    shown = url.split("@")[-1]
    try:
        async with session.get(url, **kwargs) as resp:  # type: ignore[arg-type]
            if resp.status != 200:
                raise SnapshotError(f"{shown}: HTTP {resp.status}")
            return await resp.read()
    except TimeoutError as err:
        raise SnapshotError(f"{shown}: no answer within {timeout:g} s") from err
    except aiohttp.ClientError as err:
        raise SnapshotError(f"{shown}: {err}") from err
