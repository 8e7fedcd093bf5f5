"""The `platform: wecom` entry of `notify:`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr

from hub import NotifyConfig

__all__ = ["WeComConfig"]


class WeComConfig(NotifyConfig):
    """A WeCom group robot: its webhook key, who to mention."""

    platform: Literal["wecom"] = "wecom"
    #: the `key=` part of the robot's webhook address (keep it in secrets.yaml)
    key: SecretStr = Field(min_length=8)
    base_url: AnyHttpUrl = AnyHttpUrl("https://qyapi.weixin.qq.com")
    #: phone numbers to mention in text messages (the duty phone list); "@all" for everyone
    mention_mobiles: list[str] = []
    #: WeCom user ids to mention (text: mentioned_list; markdown: <@userid>)
    mention_users: list[str] = []
    verify_tls: bool = True
    ca_file: Path | None = None
