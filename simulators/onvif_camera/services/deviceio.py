"""DeviceIO service (tmd): relay outputs a camera drives (a siren, a door strike)."""

from __future__ import annotations

from ..soap import SoapRequest, text
from ..state import DeviceContext
from .base import Handler, invalid_arg


def _relay(ctx: DeviceContext, token: str) -> str:
    c = ctx.config
    mode = "Monostable" if c.relay_mode == "monostable" else "Bistable"
    return (
        f'<tmd:RelayOutputs token="{text(token)}"><tt:Properties><tt:Mode>{mode}</tt:Mode>'
        f"<tt:DelayTime>PT{c.relay_delay:g}S</tt:DelayTime><tt:IdleState>open</tt:IdleState>"
        "</tt:Properties></tmd:RelayOutputs>"
    )


async def get_relay_outputs(ctx: DeviceContext, req: SoapRequest) -> str:
    """Every relay output with its mode, delay and idle state."""
    rows = "".join(_relay(ctx, token) for token in ctx.relays)
    return f"<tmd:GetRelayOutputsResponse>{rows}</tmd:GetRelayOutputsResponse>"


def _child_text(req: SoapRequest, local: str) -> str:
    """A child of the operation by local name: the DeviceIO WSDL sends this operation's
    elements in the device (tds) namespace, some clients in tmd."""
    for child in req.body:
        if child.tag.rpartition("}")[2] == local:
            return (child.text or "").strip()
    return ""


async def set_relay_output_state(ctx: DeviceContext, req: SoapRequest) -> str:
    """Activate or deactivate one relay (LogicalState active | inactive)."""
    token = _child_text(req, "RelayOutputToken")
    state = _child_text(req, "LogicalState")
    if token not in ctx.relays:
        raise invalid_arg(f"no relay output {token!r}")
    if state not in ("active", "inactive"):
        raise invalid_arg(f"LogicalState must be active or inactive, got {state!r}")
    ctx.set_relay(token, state == "active")
    return "<tds:SetRelayOutputStateResponse/>"  # element of the device namespace (WSDL)


HANDLERS: dict[str, Handler] = {
    "GetRelayOutputs": get_relay_outputs,
    "SetRelayOutputState": set_relay_output_state,
}
