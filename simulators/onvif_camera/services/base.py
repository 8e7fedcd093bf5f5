"""What every service handler module shares: the handler type and the SOAP fault error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..soap import NS, SoapRequest
from ..state import DeviceContext

Handler = Callable[[DeviceContext, SoapRequest], Awaitable[str]]


class SoapFaultError(Exception):
    """Raised by a handler to answer a SOAP fault."""

    def __init__(self, code: str, subcode: str, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.code, self.subcode, self.reason, self.status = code, subcode, reason, status


def invalid_arg(reason: str) -> SoapFaultError:
    """The sender passed an argument the device does not know (ter:InvalidArgVal)."""
    return SoapFaultError("s:Sender", "ter:InvalidArgVal", reason)


def action_not_supported(operation: str) -> SoapFaultError:
    """The operation is not implemented (ter:ActionNotSupported)."""
    return SoapFaultError(
        "s:Receiver", "ter:ActionNotSupported", f"{operation} is not supported", 500
    )


def float_attr(req: SoapRequest, path: str, attr: str, default: float = 0.0) -> float:
    """A float attribute under the request body; invalid_arg when not a number."""
    element = req.body.find(path, NS)
    if element is None:
        return default
    try:
        return float(element.get(attr, default))
    except ValueError as err:
        raise invalid_arg(f"{path}@{attr} is not a number") from err
