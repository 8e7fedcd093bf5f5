"""How a field's place is written in every error message: `devices[2].port`."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["format_path"]


def format_path(loc: Iterable[str | int]) -> str:
    """Render ('devices', 2, 'port') as 'devices[2].port'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
