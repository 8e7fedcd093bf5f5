"""The `platform: dingtalk` entry of `notify:`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator

from hub import NotifyConfig

__all__ = ["DingTalkConfig"]


class DingTalkConfig(NotifyConfig):
    """A DingTalk custom robot: access token, signing secret or keyword, who to mention."""

    platform: Literal["dingtalk"] = "dingtalk"
    #: the `access_token=` part of the robot's webhook address (keep it in secrets.yaml)
    access_token: SecretStr = Field(min_length=8)
    #: the signing secret (加签, starts with SEC) when the robot uses signed mode
    secret: SecretStr | None = None
    #: the custom keyword (自定义关键词) when the robot uses keyword mode: added when missing
    keyword: str | None = Field(default=None, min_length=1, max_length=50)
    base_url: AnyHttpUrl = AnyHttpUrl("https://oapi.dingtalk.com")
    #: phone numbers to mention (the duty phone list)
    mention_mobiles: list[str] = []
    verify_tls: bool = True
    ca_file: Path | None = None

    @field_validator("secret")
    @classmethod
    def _sec_prefix(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("SEC"):
            raise ValueError("a DingTalk signing secret starts with SEC (copy it from the "
                             "robot's security settings, 加签)")
        return value
