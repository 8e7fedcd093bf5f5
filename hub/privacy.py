"""Personal data in logs and events: visitors' ID numbers and phone numbers are masked.

The audit log, `service_called` events and API answers for roles that do not need them
show `**************1234` instead of an ID number (issue 10 item 6). Masking keeps the last
four characters, enough for a guard to tell two visitors apart, not enough to misuse.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PERSONAL_KEYS", "mask", "mask_personal", "redact"]

#: Field names whose values are personal identifiers (matched case-insensitively).
PERSONAL_KEYS = frozenset({"id_number", "phone", "phone_number", "mobile", "id_card"})
_KEEP = 4
_SECRET_WORDS = ("password", "token", "secret")


def mask(value: Any) -> Any:
    """Return a string with all but its last four characters replaced by `*`."""
    if not isinstance(value, str) or not value:
        return value
    if len(value) <= _KEEP:
        return "*" * len(value)
    return "*" * (len(value) - _KEEP) + value[-_KEEP:]


def mask_personal(data: Any) -> Any:
    """Return a copy of JSON-like data with personal identifiers masked, at any depth."""
    if isinstance(data, dict):
        return {k: mask(v) if isinstance(k, str) and k.lower() in PERSONAL_KEYS
                else mask_personal(v) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_personal(v) for v in data]
    return data


def redact(data: dict[str, Any]) -> dict[str, Any]:
    """Return a copy with secret-looking values replaced and personal identifiers masked."""
    masked: dict[str, Any] = mask_personal(data)
    return {k: "***" if any(w in k.lower() for w in _SECRET_WORDS) else v
            for k, v in masked.items()}
