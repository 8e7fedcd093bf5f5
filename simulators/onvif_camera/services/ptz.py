"""PTZ service (tptz): configurations, node, moves, presets, status."""

from __future__ import annotations

from ..events import iso, now_utc
from ..soap import SoapRequest, text
from ..state import DeviceContext
from .base import Handler, float_attr, invalid_arg
from .media import PTZ_SPACE, ZOOM_SPACE, check_profile, ptz_configuration_body

MAX_PRESETS = 16


def _range(low: float, high: float) -> str:
    return f"<tt:Min>{low:g}</tt:Min><tt:Max>{high:g}</tt:Max>"


def _space(tag: str, uri: str, x: tuple[float, float], y: tuple[float, float] | None) -> str:
    yr = f"<tt:YRange>{_range(*y)}</tt:YRange>" if y else ""
    return f"<tt:{tag}><tt:URI>{uri}</tt:URI><tt:XRange>{_range(*x)}</tt:XRange>{yr}</tt:{tag}>"


def _position(pan: float, tilt: float, zoom: float) -> str:
    return (
        f'<tt:PanTilt x="{pan:.4f}" y="{tilt:.4f}" space="{PTZ_SPACE}/PositionGenericSpace"/>'
        f'<tt:Zoom x="{zoom:.4f}" space="{ZOOM_SPACE}/PositionGenericSpace"/>'
    )


async def get_configurations(ctx: DeviceContext, req: SoapRequest) -> str:
    """The one PTZ configuration."""
    return (
        '<tptz:GetConfigurationsResponse><tptz:PTZConfiguration token="PTZConfig_1">'
        f"{ptz_configuration_body()}</tptz:PTZConfiguration></tptz:GetConfigurationsResponse>"
    )


async def get_nodes(ctx: DeviceContext, req: SoapRequest) -> str:
    """The one PTZ node with generic spaces, presets and home."""
    spaces = (
        _space(
            "AbsolutePanTiltPositionSpace", f"{PTZ_SPACE}/PositionGenericSpace", (-1, 1), (-1, 1)
        )
        + _space("AbsoluteZoomPositionSpace", f"{ZOOM_SPACE}/PositionGenericSpace", (0, 1), None)
        + _space(
            "RelativePanTiltTranslationSpace",
            f"{PTZ_SPACE}/TranslationGenericSpace",
            (-1, 1),
            (-1, 1),
        )
        + _space(
            "ContinuousPanTiltVelocitySpace", f"{PTZ_SPACE}/VelocityGenericSpace", (-1, 1), (-1, 1)
        )
        + _space("ContinuousZoomVelocitySpace", f"{ZOOM_SPACE}/VelocityGenericSpace", (-1, 1), None)
    )
    return (
        '<tptz:GetNodesResponse><tptz:PTZNode token="PTZNode_1" FixedHomePosition="false">'
        f"<tt:Name>PTZNode</tt:Name><tt:SupportedPTZSpaces>{spaces}</tt:SupportedPTZSpaces>"
        f"<tt:MaximumNumberOfPresets>{MAX_PRESETS}</tt:MaximumNumberOfPresets>"
        "<tt:HomeSupported>true</tt:HomeSupported></tptz:PTZNode></tptz:GetNodesResponse>"
    )


def _vector(req: SoapRequest, element: str) -> tuple[float, float, float]:
    return (
        float_attr(req, f"tptz:{element}/tt:PanTilt", "x"),
        float_attr(req, f"tptz:{element}/tt:PanTilt", "y"),
        float_attr(req, f"tptz:{element}/tt:Zoom", "x"),
    )


async def continuous_move(ctx: DeviceContext, req: SoapRequest) -> str:
    """Start moving at the requested velocity."""
    check_profile(req, "tptz")
    ctx.ptz.continuous(*_vector(req, "Velocity"))
    return "<tptz:ContinuousMoveResponse/>"


async def relative_move(ctx: DeviceContext, req: SoapRequest) -> str:
    """Move by a translation."""
    check_profile(req, "tptz")
    ctx.ptz.relative(*_vector(req, "Translation"))
    return "<tptz:RelativeMoveResponse/>"


async def absolute_move(ctx: DeviceContext, req: SoapRequest) -> str:
    """Move to a position."""
    check_profile(req, "tptz")
    ctx.ptz.absolute(*_vector(req, "Position"))
    return "<tptz:AbsoluteMoveResponse/>"


async def stop(ctx: DeviceContext, req: SoapRequest) -> str:
    """Stop moving."""
    check_profile(req, "tptz")
    ctx.ptz.stop()
    return "<tptz:StopResponse/>"


async def get_presets(ctx: DeviceContext, req: SoapRequest) -> str:
    """Stored presets with their positions."""
    check_profile(req, "tptz")
    rows = "".join(
        f'<tptz:Preset token="{text(token)}"><tt:Name>{text(name)}</tt:Name>'
        f"<tt:PTZPosition>{_position(p, t, z)}</tt:PTZPosition></tptz:Preset>"
        for token, (name, p, t, z) in ctx.ptz.presets.items()
    )
    return f"<tptz:GetPresetsResponse>{rows}</tptz:GetPresetsResponse>"


async def set_preset(ctx: DeviceContext, req: SoapRequest) -> str:
    """Store the current position under a (new or given) preset token."""
    check_profile(req, "tptz")
    ptz = ctx.ptz
    token = req.find_text("tptz:PresetToken") or f"Preset_{len(ptz.presets) + 1}"
    if token not in ptz.presets and len(ptz.presets) >= MAX_PRESETS:
        raise invalid_arg("too many presets")
    name = req.find_text("tptz:PresetName") or token
    ptz.settle()
    ptz.presets[token] = (name, ptz.pan, ptz.tilt, ptz.zoom)
    answer = f"<tptz:PresetToken>{text(token)}</tptz:PresetToken>"
    return f"<tptz:SetPresetResponse>{answer}</tptz:SetPresetResponse>"


async def goto_preset(ctx: DeviceContext, req: SoapRequest) -> str:
    """Move to a stored preset."""
    check_profile(req, "tptz")
    token = req.find_text("tptz:PresetToken")
    if token is None or token not in ctx.ptz.presets:
        raise invalid_arg(f"unknown preset {token!r}")
    _, pan, tilt, zoom = ctx.ptz.presets[token]
    ctx.ptz.absolute(pan, tilt, zoom)
    ctx.ptz.moves[-1] = f"preset {token}"
    return "<tptz:GotoPresetResponse/>"


async def remove_preset(ctx: DeviceContext, req: SoapRequest) -> str:
    """Forget a stored preset."""
    check_profile(req, "tptz")
    token = req.find_text("tptz:PresetToken")
    if token is None or token not in ctx.ptz.presets:
        raise invalid_arg(f"unknown preset {token!r}")
    del ctx.ptz.presets[token]
    return "<tptz:RemovePresetResponse/>"


async def get_status(ctx: DeviceContext, req: SoapRequest) -> str:
    """Current position and whether it is moving."""
    check_profile(req, "tptz")
    ptz = ctx.ptz
    ptz.settle()
    state = "MOVING" if ptz.moving else "IDLE"
    return (
        "<tptz:GetStatusResponse><tptz:PTZStatus>"
        f"<tt:Position>{_position(ptz.pan, ptz.tilt, ptz.zoom)}</tt:Position>"
        f"<tt:MoveStatus><tt:PanTilt>{state}</tt:PanTilt><tt:Zoom>{state}</tt:Zoom>"
        f"</tt:MoveStatus><tt:UtcTime>{iso(now_utc())}</tt:UtcTime></tptz:PTZStatus>"
        "</tptz:GetStatusResponse>"
    )


HANDLERS: dict[str, Handler] = {
    "GetConfigurations": get_configurations,
    "GetNodes": get_nodes,
    "ContinuousMove": continuous_move,
    "RelativeMove": relative_move,
    "AbsoluteMove": absolute_move,
    "Stop": stop,
    "GetPresets": get_presets,
    "SetPreset": set_preset,
    "GotoPreset": goto_preset,
    "RemovePreset": remove_preset,
    "GetStatus": get_status,
}
