"""SIA DC-09 framing: CRC, length, sequence, timestamp, and the AES-CBC encrypted variant.

A message is `LF crc(4 hex) length(4 hex) "id"seq Rrcvr Lline #acct[data]_HH:MM:SS,MM-DD-YYYY CR`.
Encrypted messages carry `"*id"` and, after `[`, the hex of AES-CBC (zero IV) over random
padding, `|`, the data and the timestamp. This module has no hub imports.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "DEFAULT_CODES",
    "SiaError",
    "SiaResponse",
    "build_message",
    "crc16",
    "parse_response",
    "sia_timestamp",
]

# Incident category -> (alarm code, restore code). Cancelled (false alarm): OC; tests: RX.
DEFAULT_CODES: dict[str, tuple[str, str]] = {
    "panic": ("PA", "PR"),
    "watchlist_match": ("QA", "QR"),
    "intrusion": ("BA", "BR"),
    "tamper": ("TA", "TR"),
    "metal_detected": ("UA", "UR"),
    "guard_off_post": ("UT", "UJ"),
    "device_offline": ("EM", "EN"),
}
FALLBACK_CODES = ("UA", "UR")
CANCEL_CODE = "OC"
TEST_CODE = "RX"

_ZERO_IV = bytes(16)
# Padding characters: printable, never the separators | [ ].
_PAD = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "|[]")
_RESPONSE = re.compile(
    r'^"(?P<enc>\*)?(?P<kind>ACK|NAK|DUH|RSP)"(?P<seq>\d{4})(?P<route>[^\[]*)\[(?P<rest>.*)$')
_TIMESTAMP = re.compile(r"_(\d{2}:\d{2}:\d{2},\d{2}-\d{2}-\d{4})")


class SiaError(ValueError):
    """A frame from the receiver is malformed or fails its CRC."""


@dataclass(frozen=True, slots=True)
class SiaResponse:
    """The receiver's answer: ACK, NAK (with its clock), DUH or RSP."""

    kind: str
    sequence: int
    encrypted: bool
    timestamp: dt.datetime | None


def crc16(data: bytes) -> int:
    """Return the CRC-16/ARC (polynomial 0x8005 reflected, init 0) DC-09 uses."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def sia_timestamp(moment: dt.datetime) -> str:
    """Return `_HH:MM:SS,MM-DD-YYYY` in UTC."""
    return moment.astimezone(dt.UTC).strftime("_%H:%M:%S,%m-%d-%Y")


def _frame(body: str) -> bytes:
    raw = body.encode("ascii")
    return b"\n" + f"{crc16(raw):04X}{len(raw):04X}".encode("ascii") + raw + b"\r"


def _encrypt(key: bytes, text: str) -> str:
    pad = "".join(secrets.choice(_PAD) for _ in range(16 - len(text) % 16))
    encryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).encryptor()
    data = (pad + text).encode("ascii")
    return (encryptor.update(data) + encryptor.finalize()).hex().upper()


def _decrypt(key: bytes, hex_text: str) -> str:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).decryptor()
    data = bytes.fromhex(hex_text)
    return (decryptor.update(data) + decryptor.finalize()).decode("ascii", "replace")


def build_message(kind: str, sequence: int, account: str, data: str, moment: dt.datetime, *,
                  receiver: int = 0, line: int = 0, key: bytes | None = None) -> bytes:
    """Return one framed message; `kind` is SIA-DCS or NULL, `data` e.g. 'Nri1/PA501'."""
    header = f"{sequence:04d}R{receiver:X}L{line:X}#{account.upper()}["
    content = f"|{data}]{sia_timestamp(moment)}"
    if key is None:
        inner = f"#{account.upper()}{content}" if data else content[1:]
        return _frame(f'"{kind}"{header}{inner}')
    return _frame(f'"*{kind}"{header}{_encrypt(key, content)}')


def parse_response(frame: bytes, key: bytes | None = None) -> SiaResponse:
    """Parse a receiver's answer; raise SiaError on a bad CRC, length or shape."""
    text = frame.strip(b"\r\n\x00 ").decode("ascii", "replace")
    if len(text) < 8:
        raise SiaError(f"short answer {text!r}")
    crc_text, length_text, body = text[:4], text[4:8], text[8:]
    try:
        crc, length = int(crc_text, 16), int(length_text, 16)
    except ValueError:
        raise SiaError(f"bad CRC or length field in {text!r}") from None
    if crc16(body.encode("ascii", "replace")) != crc:
        raise SiaError(f"CRC mismatch in answer {text!r}")
    if length != len(body):
        raise SiaError(f"length {length} does not match {len(body)} in {text!r}")
    match = _RESPONSE.match(body)
    if match is None:
        raise SiaError(f"not an ACK/NAK/DUH/RSP answer: {text!r}")
    rest = match["rest"]
    if match["enc"] and key is not None and rest and re.fullmatch(r"[0-9A-Fa-f]+", rest):
        rest = _decrypt(key, rest)
    stamp = _TIMESTAMP.search(rest)
    moment = (dt.datetime.strptime(stamp[1], "%H:%M:%S,%m-%d-%Y").replace(tzinfo=dt.UTC)
              if stamp else None)
    return SiaResponse(match["kind"], int(match["seq"]), bool(match["enc"]), moment)
