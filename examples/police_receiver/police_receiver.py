"""A reference receiver for Campus Hub police webhooks: verifies, refuses replays, de-duplicates.

Police IT may copy this file: it needs only Python 3.11 and aiohttp.

    python police_receiver.py --secret-file secret.txt --port 8443 --log messages.jsonl

Every accepted message is appended to the log once per idempotency key. The key is the
`idempotency_key` inside the signed body, never the `Idempotency-Key` header (headers other
than the timestamp are not signed: a replay with a new header would pass as new). Keys are
remembered in a file (`--keys-file`, default `<log>.keys`) for `--remember` seconds (at
least twice the timestamp tolerance, the window in which a captured request verifies), so
a replay after a restart is still recognised. Answers: 200 accepted (or already had it),
400 not JSON / no key / header and body disagree, 401 bad signature or stale timestamp.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from aiohttp import web

_LOGGER = logging.getLogger("police_receiver")

TOLERANCE_SECONDS = 300
REMEMBER_SECONDS = 86400


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


class SeenKeys:
    """Idempotency keys already accepted, with when; kept in a JSON-lines file if given."""

    def __init__(self, path: Path | None, remember: float) -> None:
        self.path = path
        self.remember = remember
        self.first_seen: dict[str, float] = {}

    def load_blocking(self, now: float | None = None) -> int:
        """Read the keys file, drop keys past the remember window, rewrite it; return kept."""
        if self.path is None or not self.path.exists():
            return 0
        cutoff = (time.time() if now is None else now) - self.remember
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                key, at = str(entry["key"]), float(entry["at"])
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash
            if at >= cutoff:
                self.first_seen.setdefault(key, at)
        lines = "".join(_key_line(k, at) for k, at in self.first_seen.items())
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(lines, encoding="utf-8")
        os.replace(temporary, self.path)
        return len(self.first_seen)

    def __contains__(self, key: object) -> bool:
        at = self.first_seen.get(key) if isinstance(key, str) else None
        return at is not None and at >= time.time() - self.remember

    def add(self, key: str, now: float) -> str | None:
        """Remember a key; return the line to append to the keys file (None: no file)."""
        self.first_seen[key] = now
        if len(self.first_seen) % 1024 == 0:  # forget what left the window, now and then
            cutoff = now - self.remember
            self.first_seen = {k: at for k, at in self.first_seen.items() if at >= cutoff}
        return _key_line(key, now) if self.path is not None else None


def _key_line(key: str, at: float) -> str:
    return json.dumps({"key": key, "at": at}, separators=(",", ":")) + "\n"


class Receiver:
    """Keeps each message once per signed idempotency key (optionally in a JSON-lines log)."""

    def __init__(self, secret: bytes, log: Path | None = None,
                 tolerance: float = TOLERANCE_SECONDS, keys_file: Path | None = None,
                 remember: float = REMEMBER_SECONDS) -> None:
        self.secret = secret
        self.log = log
        self.tolerance = tolerance
        if keys_file is None and log is not None:
            keys_file = log.with_name(log.name + ".keys")
        # A key must outlive every request that still verifies: +-tolerance around its stamp.
        self.seen = SeenKeys(keys_file, max(remember, 2 * tolerance))
        self.messages: list[dict[str, Any]] = []
        self.requests = 0
        self.duplicates = 0
        self.refused = 0
        self._lock = asyncio.Lock()

    @property
    def keys(self) -> set[str]:
        """The idempotency keys remembered now."""
        return set(self.seen.first_seen)

    async def load(self) -> int:
        """Read the keys remembered before a restart; return how many are still in the window."""
        return await asyncio.to_thread(self.seen.load_blocking)

    async def handle(self, request: web.Request) -> web.Response:
        """Verify, de-duplicate on the signed key, store."""
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
        key = message.get("idempotency_key")
        if not isinstance(key, str) or not key:
            return web.json_response({"error": "body has no idempotency_key"}, status=400)
        header = request.headers.get("Idempotency-Key")
        if header is not None and header != key:
            self.refused += 1
            _LOGGER.warning("Refused a message: Idempotency-Key header %r is not the signed "
                            "key %r", header, key)
            return web.json_response({"error": "Idempotency-Key header does not match the "
                                      "signed idempotency_key"}, status=400)
        async with self._lock:  # one key at a time: two copies arriving together store once
            if key in self.seen:
                self.duplicates += 1
                return web.json_response({"duplicate": True})
            await self._store(key, message)
        incident = message.get("incident") or {}
        _LOGGER.info("%s %s: %s (priority %s)", message.get("event"), incident.get("id"),
                     incident.get("category"), incident.get("priority"))
        return web.json_response({"accepted": key})

    async def _store(self, key: str, message: dict[str, Any]) -> None:
        # The message first, then its key: a crash in between stores it twice, never zero times.
        if self.log is not None:
            line = json.dumps(message, separators=(",", ":")) + "\n"
            await asyncio.to_thread(_append, self.log, line)
        self.messages.append(message)
        key_line = self.seen.add(key, time.time())
        if key_line is not None and self.seen.path is not None:
            await asyncio.to_thread(_append, self.seen.path, key_line)

    def app(self, path: str = "/campus-hub") -> web.Application:
        """Return an aiohttp application serving `POST path` (keys are loaded at start)."""
        app = web.Application()
        app.router.add_post(path, self.handle)

        async def load_keys(_app: web.Application) -> None:
            kept = await self.load()
            _LOGGER.info("Remembering %d idempotency keys from before the restart", kept)

        app.on_startup.append(load_keys)
        return app


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def main() -> None:
    """Run the receiver from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret-file", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--log", type=Path)
    parser.add_argument("--keys-file", type=Path,
                        help="where accepted idempotency keys are kept (default <log>.keys)")
    parser.add_argument("--remember", type=float, default=REMEMBER_SECONDS,
                        help="seconds a key is remembered (at least twice the tolerance)")
    parser.add_argument("--cert", type=Path, help="TLS certificate chain (PEM)")
    parser.add_argument("--key", type=Path, help="TLS private key (PEM)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.log is None and args.keys_file is None:
        _LOGGER.warning("No --log or --keys-file: keys are forgotten on restart, so a replay "
                        "inside the %d s window after a restart is accepted",
                        TOLERANCE_SECONDS)
    receiver = Receiver(args.secret_file.read_text().strip().encode(), args.log,
                        keys_file=args.keys_file, remember=args.remember)
    ssl_context = None
    if args.cert:
        import ssl

        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(args.cert, args.key)
    web.run_app(receiver.app(), host=args.host, port=args.port, ssl_context=ssl_context)


if __name__ == "__main__":
    main()
