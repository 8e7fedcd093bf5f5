"""One RTSP DESCRIBE (RFC 2326) to learn why a stream does not open: 401, 404, ...

No hub imports. Blocking (a socket with a timeout): call it from the grabbing thread.
FFmpeg knows the answer too but only prints it on stderr, which the hub keeps quiet.
"""

from __future__ import annotations

import base64
import hashlib
import re
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["RtspAnswer", "describe_blocking"]

MAX_HEADER = 16384
_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]+))')


@dataclass(frozen=True, slots=True)
class RtspAnswer:
    """The status line of the server's answer to DESCRIBE."""

    status: int
    reason: str


def _read_answer(sock: socket.socket) -> tuple[RtspAnswer, dict[str, list[str]]]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > MAX_HEADER:
            raise OSError("the RTSP server closed the connection without a full answer")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("utf-8", "replace").split("\r\n")
    version, _, status_reason = lines[0].partition(" ")
    status, _, reason = status_reason.partition(" ")
    if not version.startswith("RTSP/") or not status.isdigit():
        raise OSError(f"not an RTSP answer: {lines[0][:80]!r}")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    length = int((headers.get("content-length") or ["0"])[0] or 0)
    while len(rest) < length:  # drain the body so the connection can be reused
        chunk = sock.recv(length - len(rest))
        if not chunk:
            break
        rest += chunk
    return RtspAnswer(int(status), reason.strip()), headers


def _authorization(challenges: list[str], user: str, password: str, uri: str) -> str | None:
    digest = next((c for c in challenges if c.lower().startswith("digest")), None)
    if digest is not None:
        params = {m[0].lower(): m[1] or m[2] for m in _PARAM.findall(digest)}
        realm, nonce = params.get("realm", ""), params.get("nonce", "")
        # MD5 because RFC 2617 Digest (what RTSP servers speak) is defined on it
        ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
        ha2 = hashlib.md5(f"DESCRIBE:{uri}".encode()).hexdigest()
        response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
        return (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
                f'response="{response}"')  # fmt: skip
    if any(c.lower().startswith("basic") for c in challenges):
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    return None


def _describe(sock: socket.socket, uri: str, cseq: int, auth: str | None) -> bytes:
    lines = [f"DESCRIBE {uri} RTSP/1.0", f"CSeq: {cseq}", "Accept: application/sdp",
             "User-Agent: campus-hub"]  # fmt: skip
    if auth:
        lines.append(f"Authorization: {auth}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def describe_blocking(url: str, timeout: float) -> RtspAnswer:
    """DESCRIBE `url` (credentials in it are used for Basic or Digest); OSError if unreachable."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    uri = urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    with socket.create_connection((host, parts.port or 554), timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(_describe(sock, uri, 1, None))
        answer, headers = _read_answer(sock)
        auth = _authorization(headers.get("www-authenticate", []), user, password, uri)
        if answer.status == 401 and user and auth:
            sock.sendall(_describe(sock, uri, 2, auth))
            answer, _ = _read_answer(sock)
    return answer
