"""Media service (trt, ONVIF Media 1): profiles, stream and snapshot URIs, video sources."""

from __future__ import annotations

from ..soap import SoapRequest, text
from ..state import DeviceContext
from .base import Handler, invalid_arg

PROFILES = ("Profile_1", "Profile_2")
PTZ_SPACE = "http://www.onvif.org/ver10/tptz/PanTiltSpaces"
ZOOM_SPACE = "http://www.onvif.org/ver10/tptz/ZoomSpaces"


def profile_size(ctx: DeviceContext, token: str) -> tuple[int, int]:
    """Main profile at full size, sub profile at half."""
    c = ctx.config
    return (c.width, c.height) if token == PROFILES[0] else (c.width // 2, c.height // 2)


def video_source_config() -> str:
    """The one video source configuration, shared by both profiles."""
    return (
        "<tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>2</tt:UseCount>"
        "<tt:SourceToken>VideoSource_1</tt:SourceToken>"
    )


def ptz_configuration_body() -> str:
    """The PTZ configuration's content (also answered by the PTZ service)."""
    return (
        "<tt:Name>PTZConfig</tt:Name><tt:UseCount>2</tt:UseCount><tt:NodeToken>PTZNode_1"
        f"</tt:NodeToken><tt:DefaultAbsolutePantTiltPositionSpace>{PTZ_SPACE}/PositionGenericSpace"
        "</tt:DefaultAbsolutePantTiltPositionSpace><tt:DefaultAbsoluteZoomPositionSpace>"
        f"{ZOOM_SPACE}/PositionGenericSpace</tt:DefaultAbsoluteZoomPositionSpace>"
        f"<tt:DefaultRelativePanTiltTranslationSpace>{PTZ_SPACE}/TranslationGenericSpace"
        "</tt:DefaultRelativePanTiltTranslationSpace>"
        f"<tt:DefaultContinuousPanTiltVelocitySpace>{PTZ_SPACE}/VelocityGenericSpace"
        "</tt:DefaultContinuousPanTiltVelocitySpace>"
        "<tt:DefaultPTZTimeout>PT10S</tt:DefaultPTZTimeout>"
    )


def _profile(ctx: DeviceContext, token: str) -> str:
    width, height = profile_size(ctx, token)
    encoding = "H264" if token == PROFILES[0] else "JPEG"
    ptz = (
        f'<tt:PTZConfiguration token="PTZConfig_1">{ptz_configuration_body()}</tt:PTZConfiguration>'
        if ctx.config.ptz
        else ""
    )
    return (
        f'<trt:Profiles token="{token}" fixed="true"><tt:Name>{token}</tt:Name>'
        f'<tt:VideoSourceConfiguration token="VSC_1">{video_source_config()}'
        f'<tt:Bounds x="0" y="0" width="{ctx.config.width}" height="{ctx.config.height}"/>'
        "</tt:VideoSourceConfiguration>"
        f'<tt:VideoEncoderConfiguration token="VEC_{token[-1]}"><tt:Name>{encoding}</tt:Name>'
        f"<tt:UseCount>1</tt:UseCount><tt:Encoding>{encoding}</tt:Encoding>"
        f"<tt:Resolution><tt:Width>{width}</tt:Width><tt:Height>{height}</tt:Height>"
        "</tt:Resolution><tt:Quality>5</tt:Quality><tt:RateControl>"
        f"<tt:FrameRateLimit>{int(ctx.config.fps)}</tt:FrameRateLimit>"
        "<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>2048</tt:BitrateLimit>"
        "</tt:RateControl><tt:SessionTimeout>PT60S</tt:SessionTimeout>"
        f"</tt:VideoEncoderConfiguration>{ptz}</trt:Profiles>"
    )


def check_profile(req: SoapRequest, prefix: str) -> str:
    """The ProfileToken argument; InvalidArgVal when unknown."""
    token = req.find_text(f"{prefix}:ProfileToken")
    if token not in PROFILES:
        raise invalid_arg(f"unknown profile token {token!r}")
    return token


def media_uri(uri: str) -> str:
    """tt:MediaUri content."""
    return (
        f"<tt:Uri>{text(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
        "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>"
    )


async def get_profiles(ctx: DeviceContext, req: SoapRequest) -> str:
    """Main (H.264) and sub (JPEG) profiles, with PTZ when the camera has it."""
    body = "".join(_profile(ctx, t) for t in PROFILES)
    return f"<trt:GetProfilesResponse>{body}</trt:GetProfilesResponse>"


async def get_stream_uri(ctx: DeviceContext, req: SoapRequest) -> str:
    """RTSP URI when the RTSP server runs, else the MJPEG URI."""
    check_profile(req, "trt")
    uri = media_uri(ctx.stream_url)
    return (
        f"<trt:GetStreamUriResponse><trt:MediaUri>{uri}</trt:MediaUri></trt:GetStreamUriResponse>"
    )


async def get_snapshot_uri(ctx: DeviceContext, req: SoapRequest) -> str:
    """The JPEG snapshot URI."""
    check_profile(req, "trt")
    uri = media_uri(ctx.snapshot_url)
    return (
        f"<trt:GetSnapshotUriResponse><trt:MediaUri>{uri}</trt:MediaUri>"
        "</trt:GetSnapshotUriResponse>"
    )


async def get_video_sources(ctx: DeviceContext, req: SoapRequest) -> str:
    """The one sensor."""
    c = ctx.config
    return (
        '<trt:GetVideoSourcesResponse><trt:VideoSources token="VideoSource_1">'
        f"<tt:Framerate>{c.fps:g}</tt:Framerate><tt:Resolution><tt:Width>{c.width}</tt:Width>"
        f"<tt:Height>{c.height}</tt:Height></tt:Resolution></trt:VideoSources>"
        "</trt:GetVideoSourcesResponse>"
    )


HANDLERS: dict[str, Handler] = {
    "GetProfiles": get_profiles,
    "GetStreamUri": get_stream_uri,
    "GetSnapshotUri": get_snapshot_uri,
    "GetVideoSources": get_video_sources,
}
