"""The `type: webhook` entry of `uplinks:`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator

from hub import UplinkConfig

__all__ = ["WebhookConfig"]


class WebhookConfig(UplinkConfig):
    """A police webhook: signed JSON over HTTPS."""

    type: Literal["webhook"] = "webhook"
    url: AnyHttpUrl
    secret: SecretStr
    verify_tls: bool = True
    ca_file: Path | None = None
    timeout: float = Field(default=10.0, gt=0, le=120)
    headers: dict[str, str] = {}

    @field_validator("secret")
    @classmethod
    def _long_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("the secret must have at least 16 characters "
                             "(for example: openssl rand -hex 32)")
        return value
