"""The connection guard (hub/http/guard.py) uses aiohttp's public API only, and still works.

It used to subclass aiohttp's SockSite and read its private `_runner`, `_sock`, `_backlog`
and `_server` (issue 10): an aiohttp upgrade could break the server silently.
"""

from __future__ import annotations

import ast
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from hub.http import HttpComponent

HTTP_DIR = Path(__file__).resolve().parents[3] / "hub" / "http"
_AIOHTTP_CLASSES = (web.BaseSite, web.SockSite, web.TCPSite, web.BaseRunner, web.AppRunner,
                    web.Server, web.Application, web.Request, web.StreamResponse)


def _private_names() -> set[str]:
    names: set[str] = set()
    for cls in _AIOHTTP_CLASSES:
        for klass in cls.__mro__:
            if klass.__module__.startswith("aiohttp"):
                names.update(getattr(klass, "__slots__", ()))
                names.update(vars(klass))
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _uses(tree: ast.AST, private: set[str]) -> list[str]:
    found: list[str] = []
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        bases = [ast.unparse(b) for b in cls.bases]
        if any(b.startswith(("web.", "aiohttp.")) for b in bases):
            for node in ast.walk(cls):
                if isinstance(node, ast.Attribute) and node.attr in private:
                    found.append(f"{cls.name} (subclass of {bases[0]}) uses .{node.attr}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr in private
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_no_private_aiohttp_attribute_in_hub_http() -> None:
    """No module of hub/http reads a private attribute of an aiohttp object."""
    private = _private_names()
    assert {"_runner", "_sock", "_backlog", "_server"} <= private
    found = {path.name: uses for path in sorted(HTTP_DIR.glob("*.py"))
             if (uses := _uses(ast.parse(path.read_text()), private))}
    assert found == {}


async def test_guarded_server_serves_and_frees_its_port(hub_factory: Callable[..., Any]) -> None:
    """Served through the guard; after stop the port is free for the next start."""
    harness = await hub_factory("recorder: {enabled: false}\nhttp:\n  port: 0\n")
    http = harness.hub.components["http"]
    assert isinstance(http, HttpComponent)
    await http.started.wait()
    async with aiohttp.ClientSession() as session, session.get(http.url + "/api/health") as resp:
        assert resp.status == 200
    assert http.limits.open in (0, 1)
    port = http.port
    await harness.hub.stop()
    with socket.create_server(("127.0.0.1", port)):
        pass
