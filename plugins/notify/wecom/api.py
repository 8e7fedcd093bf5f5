"""WeCom (企业微信) group robot messages: payloads and answers, as WeCom documents them.

POST <base>/cgi-bin/webhook/send?key=<robot key> with a JSON body
`{"msgtype": "text", "text": {"content", "mentioned_list", "mentioned_mobile_list"}}` or
`{"msgtype": "markdown", "markdown": {"content"}}`; the answer is `{"errcode", "errmsg"}`,
errcode 0 meaning sent. Text content is at most 2048 bytes, markdown at most 4096 bytes
(UTF-8). No hub imports: this module could ship on its own.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AUTH_ERRCODES",
    "MARKDOWN_MAX_BYTES",
    "RETRY_ERRCODES",
    "SEND_PATH",
    "TEXT_MAX_BYTES",
    "markdown_payload",
    "text_payload",
    "truncate_utf8",
]

SEND_PATH = "/cgi-bin/webhook/send"
TEXT_MAX_BYTES = 2048
MARKDOWN_MAX_BYTES = 4096
#: -1 system busy; 45009 call frequency over the limit (20 messages a minute per robot);
#: 45033 too many concurrent calls: try again later
RETRY_ERRCODES = frozenset({-1, 45009, 45033})
#: 93000: the robot's webhook key is invalid or the robot was removed from the group
AUTH_ERRCODES = frozenset({93000})
MENTION_ALL = "@all"


def truncate_utf8(text: str, limit: int, marker: str = "…") -> str:
    """Return `text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    room = limit - len(marker.encode("utf-8"))
    return raw[:room].decode("utf-8", errors="ignore") + marker


def text_payload(content: str, mentioned_list: list[str] | None = None,
                 mentioned_mobile_list: list[str] | None = None) -> dict[str, Any]:
    """Return a text message; `@all` in a mention list mentions everyone."""
    text: dict[str, Any] = {"content": truncate_utf8(content, TEXT_MAX_BYTES)}
    if mentioned_list:
        text["mentioned_list"] = list(mentioned_list)
    if mentioned_mobile_list:
        text["mentioned_mobile_list"] = list(mentioned_mobile_list)
    return {"msgtype": "text", "text": text}


def markdown_payload(content: str) -> dict[str, Any]:
    """Return a markdown message (WeCom's markdown subset; `<@userid>` mentions a member)."""
    return {"msgtype": "markdown",
            "markdown": {"content": truncate_utf8(content, MARKDOWN_MAX_BYTES)}}
