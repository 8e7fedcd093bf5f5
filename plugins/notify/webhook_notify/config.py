"""The `platform: webhook` entry of `notify:`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl

from hub import NotifyConfig
from plugins.uplinks.webhook.signing import SigningSecret

__all__ = ["WebhookNotifyConfig"]


class WebhookNotifyConfig(NotifyConfig):
    """A generic receiver: signed JSON POSTs, like the police webhook."""

    platform: Literal["webhook"] = "webhook"
    url: AnyHttpUrl
    secret: SigningSecret
    headers: dict[str, str] = {}
    verify_tls: bool = True
    ca_file: Path | None = None
