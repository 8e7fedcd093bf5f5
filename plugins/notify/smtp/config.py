"""The `platform: smtp` entry of `notify:`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from hub import NotifyConfig

__all__ = ["SmtpConfig"]


class SmtpConfig(NotifyConfig):
    """An SMTP server, the sender and the recipients."""

    platform: Literal["smtp"] = "smtp"
    format: Literal["text", "markdown"] = "text"
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    #: starttls: plain connection upgraded with STARTTLS (port 587); tls: TLS from the
    #: first byte (port 465); none: no encryption (only on a trusted network)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    recipients: list[str] = Field(min_length=1)
    verify_tls: bool = True
    ca_file: Path | None = None
    subject_prefix: str = "[Campus Hub]"

    @model_validator(mode="after")
    def _login_over_tls(self) -> SmtpConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        if self.username is not None and self.security == "none":
            raise ValueError("a password is never sent unencrypted: set security to "
                             "starttls or tls")
        return self
