"""HTTP Digest authentication (RFC 7616 / RFC 2617, MD5, qop=auth), as GA/T 1400.4 uses it
for /VIID/System/Register: both ends, the client's answer and the server's check.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from dataclasses import dataclass, field

__all__ = ["DigestChallenge", "DigestVerifier", "authorization", "parse_header"]

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_header(value: str) -> dict[str, str]:
    """Return the parameters of a `Digest ...` header (names lower-cased)."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        raise ValueError(f"not a Digest header: {scheme!r}")
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _PARAM.finditer(rest)}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def response_of(user: str, realm: str, password: str, method: str, uri: str, nonce: str,
                nc: str, cnonce: str, qop: str | None) -> str:
    """Return the digest `response` value."""
    ha1 = _md5(f"{user}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    if qop:
        return _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _md5(f"{ha1}:{nonce}:{ha2}")


@dataclass
class DigestChallenge:
    """A server's challenge (from WWW-Authenticate) and the nonce count used with it."""

    realm: str
    nonce: str
    qop: str | None = None
    opaque: str | None = None
    algorithm: str = "MD5"
    nc: int = 0

    @classmethod
    def from_header(cls, value: str) -> DigestChallenge:
        """Parse a WWW-Authenticate header; ValueError if it is not a usable challenge."""
        params = parse_header(value)
        if "nonce" not in params:
            raise ValueError("Digest challenge without a nonce")
        algorithm = params.get("algorithm", "MD5")
        if algorithm.upper() not in ("MD5", "MD5-SESS"):
            raise ValueError(f"unsupported Digest algorithm {algorithm}")
        qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
        if qops and "auth" not in qops:
            raise ValueError(f"unsupported Digest qop {params['qop']}")
        return cls(params.get("realm", ""), params["nonce"], "auth" if qops else None,
                   params.get("opaque"), algorithm.upper())


def authorization(challenge: DigestChallenge, user: str, password: str, method: str,
                  uri: str) -> str:
    """Return the Authorization header answering `challenge` (counts the nonce use)."""
    challenge.nc += 1
    nc = f"{challenge.nc:08x}"
    cnonce = os.urandom(8).hex()
    realm = challenge.realm
    if challenge.algorithm == "MD5-SESS":
        ha1 = _md5(f"{_md5(f'{user}:{realm}:{password}')}:{challenge.nonce}:{cnonce}")
        ha2 = _md5(f"{method}:{uri}")
        resp = _md5(f"{ha1}:{challenge.nonce}:{nc}:{cnonce}:auth:{ha2}")
    else:
        resp = response_of(user, realm, password, method, uri, challenge.nonce, nc, cnonce,
                           challenge.qop)
    parts = [f'username="{user}"', f'realm="{realm}"', f'nonce="{challenge.nonce}"',
             f'uri="{uri}"', f'response="{resp}"', f"algorithm={challenge.algorithm}"]
    if challenge.qop:
        parts += [f"qop={challenge.qop}", f"nc={nc}", f'cnonce="{cnonce}"']
    if challenge.opaque is not None:
        parts.append(f'opaque="{challenge.opaque}"')
    return "Digest " + ", ".join(parts)


@dataclass
class DigestVerifier:
    """The server side: issues nonces, checks answers, refuses replays and stale nonces."""

    realm: str
    users: dict[str, str]
    nonce_ttl: float = 300.0
    _nonces: dict[str, tuple[float, int]] = field(default_factory=dict)

    def challenge(self, stale: bool = False) -> str:
        """Return a WWW-Authenticate header value with a fresh nonce."""
        now = time.monotonic()
        self._nonces = {n: v for n, v in self._nonces.items() if now - v[0] < self.nonce_ttl}
        nonce = os.urandom(16).hex()
        self._nonces[nonce] = (now, 0)
        stale_part = ", stale=true" if stale else ""
        return (f'Digest realm="{self.realm}", qop="auth", nonce="{nonce}", '
                f'opaque="{os.urandom(8).hex()}", algorithm=MD5{stale_part}')

    def verify(self, header: str | None, method: str, uri: str) -> tuple[str | None, str]:
        """Return (user, "") for a good answer, else (None, why it was refused)."""
        if not header:
            return None, "no Authorization header"
        try:
            params = parse_header(header)
        except ValueError as exc:
            return None, str(exc)
        user, nonce = params.get("username", ""), params.get("nonce", "")
        password = self.users.get(user)
        if password is None:
            return None, "unknown user"
        issued = self._nonces.get(nonce)
        if issued is None or time.monotonic() - issued[0] > self.nonce_ttl:
            return None, "stale or unknown nonce"
        if params.get("uri") != uri:
            return None, f"uri {params.get('uri')!r} is not the request's {uri!r}"
        qop = params.get("qop")
        nc = params.get("nc", "")
        if qop is not None:
            if qop != "auth" or not re.fullmatch(r"[0-9a-fA-F]{8}", nc):
                return None, "bad qop or nc"
            if int(nc, 16) <= issued[1]:
                return None, "nonce count replayed"
        expected = response_of(user, self.realm, password, method, uri, nonce, nc,
                               params.get("cnonce", ""), qop)
        if not hmac.compare_digest(expected, params.get("response", "")):
            return None, "wrong password"
        self._nonces[nonce] = (issued[0], int(nc, 16) if qop else issued[1] + 1)
        return user, ""
