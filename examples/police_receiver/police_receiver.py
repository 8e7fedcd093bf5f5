"""A reference receiver for Campus Hub police webhooks: verifies, refuses replays, de-duplicates.

Police IT may copy this file: it needs only Python 3.11 and aiohttp.

    python police_receiver.py --secret-file secret.txt --port 8443 --log messages.jsonl

Every accepted message is appended to the log once per idempotency key. Answers:
200 accepted (or already had it), 400 not JSON, 401 bad signature or stale timestamp.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import logging
import time
from pathlib import Path
from typing import Any

from aiohttp import web

_LOGGER = logging.getLogger("police_receiver")

TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    """The request is not signed by the hub or is too old (a replay)."""


def verify_signature(secret: bytes, body: bytes, timestamp: str | None, signature: str | None,
                     tolerance: float = TOLERANCE_SECONDS, now: float | None = None) -> None:
    """Raise BadSignature unless `signature` is v1=HMAC-SHA256(secret, timestamp + "." + body)."""
    if not timestamp or not timestamp.isdigit():
        raise BadSignature("missing timestamp")
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance:
        raise BadSignature("stale timestamp (replay?)")
    expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    for part in (signature or "").split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == "v1" and hmac.compare_digest(value, expected):
            return
    raise BadSignature("signature does not match")


class Receiver:
    """Keeps each message once per idempotency key (in memory, optionally a JSON-lines log)."""

    def __init__(self, secret: bytes, log: Path | None = None,
                 tolerance: float = TOLERANCE_SECONDS) -> None:
        self.secret = secret
        self.log = log
        self.tolerance = tolerance
        self.messages: list[dict[str, Any]] = []
        self.keys: set[str] = set()
        self.requests = 0
        self.duplicates = 0
        self.refused = 0

    async def handle(self, request: web.Request) -> web.Response:
        """Verify, de-duplicate, store."""
        self.requests += 1
        body = await request.read()
        try:
            verify_signature(self.secret, body, request.headers.get("X-CampusHub-Timestamp"),
                             request.headers.get("X-CampusHub-Signature"), self.tolerance)
        except BadSignature as exc:
            self.refused += 1
            _LOGGER.warning("Refused a message: %s", exc)
            return web.json_response({"error": str(exc)}, status=401)
        try:
            message = json.loads(body)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            return web.json_response({"error": "body is not a JSON object"}, status=400)
        key = request.headers.get("Idempotency-Key") or message.get("idempotency_key", "")
        if key in self.keys:
            self.duplicates += 1
            return web.json_response({"duplicate": True})
        self.keys.add(key)
        self.messages.append(message)
        if self.log is not None:
            line = json.dumps(message, separators=(",", ":")) + "\n"
            await asyncio.to_thread(_append, self.log, line)
        incident = message.get("incident") or {}
        _LOGGER.info("%s %s: %s (priority %s)", message.get("event"), incident.get("id"),
                     incident.get("category"), incident.get("priority"))
        return web.json_response({"accepted": key})

    def app(self, path: str = "/campus-hub") -> web.Application:
        """Return an aiohttp application serving `POST path`."""
        app = web.Application()
        app.router.add_post(path, self.handle)
        return app


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)


def main() -> None:
    """Run the receiver from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret-file", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--log", type=Path)
    parser.add_argument("--cert", type=Path, help="TLS certificate chain (PEM)")
    parser.add_argument("--key", type=Path, help="TLS private key (PEM)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    receiver = Receiver(args.secret_file.read_text().strip().encode(), args.log)
    ssl_context = None
    if args.cert:
        import ssl

        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(args.cert, args.key)
    web.run_app(receiver.app(), host=args.host, port=args.port, ssl_context=ssl_context)


if __name__ == "__main__":
    main()
