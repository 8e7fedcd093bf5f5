"""The `platform: webhook` entry of `notify:`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, SecretStr, field_validator

from hub import NotifyConfig

__all__ = ["WebhookNotifyConfig"]


class WebhookNotifyConfig(NotifyConfig):
    """A generic receiver: signed JSON POSTs, like the police webhook."""

    platform: Literal["webhook"] = "webhook"
    url: AnyHttpUrl
    secret: SecretStr
    headers: dict[str, str] = {}
    verify_tls: bool = True
    ca_file: Path | None = None

    @field_validator("secret")
    @classmethod
    def _long_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("the secret must have at least 16 characters "
                             "(for example: openssl rand -hex 32)")
        return value
