"""Signed webhooks to the police: the `webhook` uplink type."""

from __future__ import annotations

from hub import Uplink, hookimpl

from .signing import SignatureError, sign, verify
from .uplink import WebhookUplink

__all__ = ["SignatureError", "WebhookUplink", "register_uplinks", "sign", "verify"]


@hookimpl
def register_uplinks() -> list[type[Uplink]]:
    """The `webhook` uplink type."""
    return [WebhookUplink]
