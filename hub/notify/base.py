"""The notify contract: a channel type (WeCom, DingTalk, e-mail...) the hub sends messages to.

A plugin returns `Notifier` subclasses from `register_notify_platforms`. The hub builds one
instance per `notify:` entry of that platform and registers the service `notify.<name>`.
`send` raises `NotifyRetry` for a transient failure (retried with backoff) and
`NotifyRejected` for a permanent one (the channel said no: bad key, bad address).
"""

from __future__ import annotations

import abc
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..exceptions import HubError

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = [
    "Notification",
    "Notifier",
    "NotifyConfig",
    "NotifyError",
    "NotifyRateConfig",
    "NotifyRejected",
    "NotifyRetry",
    "NotifyRetryConfig",
]

NAME_PATTERN = r"^[a-z0-9_]+$"
Format = Literal["text", "markdown"]


class NotifyError(HubError):
    """A notification was not delivered."""


class NotifyRetry(NotifyError):
    """Transient: the channel may take it later (timeout, busy, rate limit)."""


class NotifyRejected(NotifyError):
    """Permanent: the channel refused it (bad key, bad address); `auth` if credentials."""

    def __init__(self, message: str, *, auth: bool = False) -> None:
        super().__init__(message)
        self.auth = auth


class NotifyRetryConfig(BaseModel):
    """How a message is retried: exponential backoff, then it is given up (and counted)."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=5, ge=1, le=100)
    initial_delay: float = Field(default=2.0, gt=0, le=600)
    max_delay: float = Field(default=120.0, gt=0, le=3600)


class NotifyRateConfig(BaseModel):
    """A channel's rate limit: at most `messages` per `per` seconds (a sliding window).

    The window's last send waits until no message came for `gather` seconds (at most
    `gather_max`) and carries everything waiting as one digest; when the window is full,
    messages wait for its next send, which again carries them all.
    """

    model_config = ConfigDict(extra="forbid")

    messages: int = Field(ge=1, le=100_000)
    per: float = Field(default=60.0, gt=0, le=86_400)
    gather: float = Field(default=0.02, ge=0, le=10)
    gather_max: float = Field(default=1.0, ge=0, le=60)


class NotifyConfig(BaseModel):
    """Fields every `notify:` entry has; a platform subclasses it with `platform: Literal`."""

    model_config = ConfigDict(extra="forbid")

    platform: str
    name: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN)
    #: the message format used when a caller does not ask for one
    format: Format = "markdown"
    timeout: float = Field(default=10.0, gt=0, le=120)
    retry: NotifyRetryConfig = Field(default_factory=NotifyRetryConfig)
    #: messages waiting beyond this many are refused (and counted)
    queue_size: int = Field(default=200, ge=1, le=100_000)
    #: messages in flight at once (each waits for its channel's answer)
    concurrency: int = Field(default=4, ge=1, le=64)
    #: the channel's rate limit; unset: the platform's documented one (WeCom, DingTalk)
    rate_limit: NotifyRateConfig | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to people: title, body (text or markdown), who to mention."""

    message: str
    title: str = ""
    format: Format = "markdown"
    #: phone numbers to mention (@) where the channel can (DingTalk, WeCom text)
    mention_mobiles: tuple[str, ...] = ()
    mention_all: bool = False
    incident_id: str | None = None
    priority: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    #: the message's id, the same for every attempt and after a restart (set when queued)
    key: str | None = None

    def as_text(self) -> str:
        """Return title and message as plain text."""
        return f"{self.title}\n{self.message}" if self.title else self.message

    def as_markdown(self) -> str:
        """Return title (as a heading) and message as markdown."""
        return f"### {self.title}\n{self.message}" if self.title else self.message


class Notifier(abc.ABC):
    """A notify channel. Subclass it, set `platform` and `config_model`, implement `send`."""

    platform: ClassVar[str]
    config_model: ClassVar[type[NotifyConfig]]
    #: the platform's documented rate limit (None: none)
    default_rate_limit: ClassVar[NotifyRateConfig | None] = None
    #: the longest message body the platform takes, in UTF-8 bytes (None: no limit)
    max_bytes: ClassVar[int | None] = None

    def __init__(self, hub: Hub, config: NotifyConfig) -> None:
        self.hub = hub
        self.config = config

    @property
    def name(self) -> str:
        """Return the channel's configured name (`notify.<name>`)."""
        return self.config.name

    @property
    def rate_limit(self) -> NotifyRateConfig | None:
        """Return the configured rate limit, else the platform's documented one."""
        return self.config.rate_limit or self.default_rate_limit

    def secrets(self) -> list[str]:
        """Return the secret strings of this channel (masked in every error and log)."""
        return []

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Prepare (load a CA file); default: nothing."""

    @abc.abstractmethod
    async def send(self, notification: Notification) -> str | None:
        """Deliver one message; return a short detail or raise NotifyRetry/NotifyRejected."""

    def describe(self) -> dict[str, Any]:
        """Return where it sends, without credentials (for the panel and logs)."""
        return {}

    async def tls_context(self, verify: bool, ca_file: Path | None) -> ssl.SSLContext | bool:
        """Return what aiohttp's `ssl=` takes: a context trusting `ca_file`, or `verify`."""
        if not verify or ca_file is None:
            return verify
        return await self.hub.run_blocking(_context_blocking, str(ca_file))


def _context_blocking(cafile: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)
