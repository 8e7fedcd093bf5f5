"""Merging messages a rate-limited channel cannot send one by one into one digest."""

from __future__ import annotations

from .base import Format, Notification

__all__ = ["digest"]

_TITLE = {"en": "{n} messages at once (merged: the channel allows {limit} a minute)",
          "zh": "同时有 {n} 条消息 (已合并, 该渠道每分钟最多 {limit} 条)"}
_MORE = {"en": "... and {n} more: see the panel.", "zh": "……另有 {n} 条, 请查看管理面板。"}


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def digest(items: list[Notification], *, max_bytes: int | None, per_minute: int,
           language: str = "en") -> Notification:
    """Return one message holding `items` (highest priority first, then in order).

    Each item is given whole while the body fits `max_bytes`, then by its title alone, then
    counted in a closing "and N more" line; mentions are merged.
    """
    lang = language if language in _TITLE else "en"
    fmt: Format = items[0].format
    ordered = sorted(items, key=lambda n: n.priority if n.priority is not None else 99)
    title = _TITLE[lang].format(n=len(items), limit=per_minute)
    budget = (max_bytes or 1 << 30) - _size(title) - 64  # heading marks, the "more" line
    lines: list[str] = []
    used, shown = 0, 0
    for item in ordered:
        whole = item.as_markdown() if fmt == "markdown" else item.as_text()
        short = f"- {item.title or item.message.splitlines()[0]}"
        for text in (whole, short):
            if used + _size(text) + 2 <= budget:
                lines.append(text)
                used += _size(text) + 2
                shown += 1
                break
        else:
            break
    if shown < len(ordered):
        lines.append(_MORE[lang].format(n=len(ordered) - shown))
    mobiles = tuple(dict.fromkeys(m for item in items for m in item.mention_mobiles))
    priorities = [item.priority for item in items if item.priority is not None]
    return Notification("\n\n".join(lines), title, fmt, mobiles,
                        any(item.mention_all for item in items), None,
                        min(priorities) if priorities else None,
                        {"digest_of": len(items)})
