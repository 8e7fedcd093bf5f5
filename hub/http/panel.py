"""Serve the panel: static files (ES modules, no build step) loaded once, gzip-ready.

The panel's files are code without data; they are public like any login page's assets.
Everything the panel shows comes from /api routes, which need a login.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import ApiError
from .routing import Route

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["PANEL_DIR", "load_panel_blocking", "panel_routes"]

_LOGGER = logging.getLogger(__name__)

PANEL_DIR = Path(__file__).resolve().parent.parent / "panel"
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html",
          ".svg": "image/svg+xml", ".json": "application/json"}
_CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' data: blob:; "
        "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'")


@dataclass(frozen=True, slots=True)
class PanelFile:
    """One file of the panel, with its gzip form and ETag."""

    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def load_panel_blocking(root: Path = PANEL_DIR,
                        cards: dict[str, Path] | None = None) -> dict[str, PanelFile]:
    """Read every panel file, and each plugin kind's card as kinds/<domain>.js (at start).

    A card that cannot be read is left out (logged): the Devices table still lists the kind.
    """
    files: dict[str, PanelFile] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in _TYPES:
            files[path.relative_to(root).as_posix()] = _panel_file(path.read_bytes(), path)
    for domain, card in sorted((cards or {}).items()):
        try:
            files[f"kinds/{domain}.js"] = _panel_file(card.read_bytes(), card)
        except OSError as err:
            _LOGGER.error("Panel card of kind %s not loaded: %s", domain, err)
    return files


def _panel_file(data: bytes, path: Path) -> PanelFile:
    ctype = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain"
    return PanelFile(data, gzip.compress(data, 9, mtime=0), ctype,
                     '"' + hashlib.sha256(data).hexdigest()[:20] + '"')


def _serve(request: web.Request, item: PanelFile) -> web.Response:
    headers = {"ETag": item.etag, "Cache-Control": "no-cache",
               "Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
    if request.headers.get("If-None-Match") == item.etag:
        return web.Response(status=304, headers=headers)
    body = item.body
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(item.body) > 512:
        body, headers["Content-Encoding"] = item.gzipped, "gzip"
        headers["Vary"] = "Accept-Encoding"
    return web.Response(body=body, headers=headers, content_type=item.content_type,
                        charset="utf-8")


def panel_routes(hub: Hub, files: dict[str, PanelFile]) -> list[Route]:
    """Return the routes that serve the panel."""

    async def index(request: web.Request) -> Any:
        return _serve(request, files["index.html"])

    async def asset(request: web.Request) -> Any:
        item = files.get(request.match_info["path"])
        if item is None:
            raise ApiError(404, "not_found", "no such panel file")
        return _serve(request, item)

    hidden = {"hidden": True}
    return [
        Route("GET", "/", index, public=True, summary="The guard panel.", extra=hidden),
        Route("GET", "/panel/{path:.+}", asset, public=True, summary="Panel files.",
              extra=hidden),
    ]
