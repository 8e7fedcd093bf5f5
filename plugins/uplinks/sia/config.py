"""The `type: sia` entry of `uplinks:`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from hub import UplinkConfig

__all__ = ["SiaConfig"]


class SiaConfig(UplinkConfig):
    """A SIA DC-09 alarm receiver (TCP), plain or AES-encrypted with the account key."""

    type: Literal["sia"] = "sia"
    host: str
    port: int = Field(ge=1, le=65535)
    account: str = Field(pattern=r"^[0-9A-Fa-f]{3,16}$")
    key: SecretStr | None = None
    key_encoding: Literal["ascii", "hex"] = "ascii"
    receiver: int = Field(default=0, ge=0, le=0xFFFFFF)
    line: int = Field(default=0, ge=0, le=0xFFFFFF)
    area: int = Field(default=1, ge=0, le=999)
    zones: dict[str, int] = {}
    codes: dict[str, tuple[str, str]] = {}
    supervision_interval: float = Field(default=60.0, ge=0, le=86400)
    timeout: float = Field(default=10.0, gt=0, le=60)

    @model_validator(mode="after")
    def _check_key(self) -> SiaConfig:
        if self.key is not None:
            raw = self.key.get_secret_value()
            if self.key_encoding == "hex":
                try:
                    size = len(bytes.fromhex(raw))
                except ValueError:
                    raise ValueError("key: expected hexadecimal digits") from None
            else:
                size = len(raw.encode())
            if size not in (16, 24, 32):
                raise ValueError(f"key: AES needs 16, 24 or 32 bytes, got {size} "
                                 f"({self.key_encoding})")
        return self

    @field_validator("codes")
    @classmethod
    def _check_codes(cls, value: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        for category, pair in value.items():
            for code in pair:
                if len(code) != 2 or not code.isalpha() or not code.isupper():
                    raise ValueError(f"{category}: SIA codes are two capital letters, "
                                     f"got {code!r}")
        return value

    def key_bytes(self) -> bytes | None:
        """Return the AES key, or None for the plain variant."""
        if self.key is None:
            return None
        raw = self.key.get_secret_value()
        return bytes.fromhex(raw) if self.key_encoding == "hex" else raw.encode()
