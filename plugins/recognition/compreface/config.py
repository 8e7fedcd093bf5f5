"""Configuration of the compreface recognizer."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from hub.recognition import RecognizerConfig

__all__ = ["CompreFaceConfig"]


class CompreFaceConfig(RecognizerConfig):
    """`recognition: {platform: compreface, options: {url: ..., api_key: !secret ...}}`."""

    platform: Literal["compreface"] = "compreface"
    url: str = Field(pattern=r"^https?://")
    api_key: SecretStr
    det_prob_threshold: float = Field(default=0.8, gt=0, lt=1)
    prediction_count: int = Field(default=3, ge=1, le=100)
    #: Requests in flight at once (a per-device concurrency limit).
    max_concurrent: int = Field(default=4, ge=1, le=64)
