"""WS-UsernameToken (SOAP) and HTTP basic/digest (snapshot, stream) checks."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .soap import NS

PASSWORD_DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """Base64(SHA1(nonce + created + password)), the WS-Security PasswordDigest."""
    raw = hashlib.sha1(nonce + created.encode() + password.encode()).digest()
    return base64.b64encode(raw).decode()


def _parse_created(created: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def check_username_token(header: ET.Element | None, username: str, password: str) -> bool:
    """True when the header carries a valid UsernameToken (digest, or plain text) for the user."""
    if header is None:
        return False
    token = header.find("wsse:Security/wsse:UsernameToken", NS)
    if token is None:
        return False
    user = token.findtext("wsse:Username", default="", namespaces=NS).strip()
    pw_el = token.find("wsse:Password", NS)
    if pw_el is None or not hmac.compare_digest(user, username):
        return False
    given = (pw_el.text or "").strip()
    if pw_el.get("Type", PASSWORD_DIGEST) != PASSWORD_DIGEST:
        return hmac.compare_digest(given, password)
    nonce_b64 = token.findtext("wsse:Nonce", default="", namespaces=NS).strip()
    created = token.findtext("wsu:Created", default="", namespaces=NS).strip()
    created_at = _parse_created(created)
    if created_at is None or abs(dt.datetime.now(dt.UTC) - created_at) > MAX_CLOCK_SKEW:
        return False
    try:
        nonce = base64.b64decode(nonce_b64, validate=True)
    except ValueError:
        return False
    return hmac.compare_digest(given, password_digest(nonce, created, password))


def check_basic(authorization: str | None, username: str, password: str) -> bool:
    """True when an HTTP Basic Authorization header matches."""
    if not authorization or not authorization.startswith("Basic "):
        return False
    try:
        decoded = base64.b64decode(authorization[6:], validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(decoded, f"{username}:{password}")


_DIGEST_FIELD = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')


def _md5(value: str) -> str:
    return hashlib.md5(value.encode()).hexdigest()


@dataclass(slots=True)
class DigestRealm:
    """Server side of RFC 7616 digest (MD5, qop=auth), with the nonces it issued."""

    realm: str = "CampusSim"
    nonces: set[str] = field(default_factory=set)

    def challenge(self) -> str:
        """A fresh WWW-Authenticate header value."""
        nonce = secrets.token_hex(16)
        self.nonces.add(nonce)
        return f'Digest realm="{self.realm}", qop="auth", nonce="{nonce}", algorithm=MD5'

    def check(self, authorization: str | None, method: str, username: str, password: str) -> bool:
        """True when a Digest Authorization header answers one of our nonces correctly."""
        if not authorization or not authorization.startswith("Digest "):
            return False
        fields = {k: q or b for k, q, b in _DIGEST_FIELD.findall(authorization[7:])}
        if fields.get("nonce") not in self.nonces or fields.get("username") != username:
            return False
        ha1 = _md5(f"{username}:{self.realm}:{password}")
        ha2 = _md5(f"{method}:{fields.get('uri', '')}")
        if fields.get("qop") == "auth":
            expected = _md5(
                f"{ha1}:{fields['nonce']}:{fields.get('nc', '')}:{fields.get('cnonce', '')}"
                f":auth:{ha2}"
            )
        else:
            expected = _md5(f"{ha1}:{fields['nonce']}:{ha2}")
        return hmac.compare_digest(expected, fields.get("response", ""))
