"""The `type: webhook` entry of `uplinks:`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field

from hub import UplinkConfig

from .signing import SigningSecret

__all__ = ["WebhookConfig"]


class WebhookConfig(UplinkConfig):
    """A police webhook: signed JSON over HTTPS."""

    type: Literal["webhook"] = "webhook"
    url: AnyHttpUrl
    secret: SigningSecret
    verify_tls: bool = True
    ca_file: Path | None = None
    timeout: float = Field(default=10.0, gt=0, le=120)
    headers: dict[str, str] = {}
