"""SOAP handlers, one module per ONVIF service, and the table that routes to them."""

from __future__ import annotations

from . import device, deviceio, event, media, media2, ptz
from .base import Handler, SoapFaultError

#: URL path segment -> operation name -> handler.
SERVICES: dict[str, dict[str, Handler]] = {
    "device": device.HANDLERS,
    "deviceio": deviceio.HANDLERS,
    "media": media.HANDLERS,
    "media2": media2.HANDLERS,
    "ptz": ptz.HANDLERS,
    "events": event.HANDLERS,
    "subscription": event.SUBSCRIPTION_HANDLERS,
}

__all__ = ["SERVICES", "Handler", "SoapFaultError"]
