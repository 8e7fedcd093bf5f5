"""Media2 service (tr2, ONVIF Media 2): profiles, stream and snapshot URIs."""

from __future__ import annotations

from ..soap import SoapRequest, text
from ..state import DeviceContext
from .base import Handler
from .media import (
    PROFILES,
    check_profile,
    profile_size,
    ptz_configuration_body,
    video_source_config,
)


def _profile(ctx: DeviceContext, token: str) -> str:
    width, height = profile_size(ctx, token)
    codec = "H265" if ctx.config.rtsp_codec == "h265" else "H264"
    encoding = codec if token == PROFILES[0] else "JPEG"
    ptz = (
        f'<tr2:PTZ token="PTZConfig_1">{ptz_configuration_body()}</tr2:PTZ>'
        if ctx.config.ptz
        else ""
    )
    return (
        f'<tr2:Profiles token="{token}" fixed="true"><tr2:Name>{token}</tr2:Name>'
        f'<tr2:Configurations><tr2:VideoSource token="VSC_1">{video_source_config()}'
        f'<tt:Bounds x="0" y="0" width="{ctx.config.width}" height="{ctx.config.height}"/>'
        f'</tr2:VideoSource><tr2:VideoEncoder token="VEC_{token[-1]}">'
        f"<tt:Name>{encoding}</tt:Name><tt:UseCount>1</tt:UseCount>"
        f"<tt:Encoding>{encoding}</tt:Encoding><tt:Resolution><tt:Width>{width}</tt:Width>"
        f"<tt:Height>{height}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>"
        f"</tr2:VideoEncoder>{ptz}</tr2:Configurations></tr2:Profiles>"
    )


async def get_profiles(ctx: DeviceContext, req: SoapRequest) -> str:
    """Both profiles in the Media2 shape."""
    body = "".join(_profile(ctx, t) for t in PROFILES)
    return f"<tr2:GetProfilesResponse>{body}</tr2:GetProfilesResponse>"


async def get_stream_uri(ctx: DeviceContext, req: SoapRequest) -> str:
    """RTSP URI when the RTSP server runs, else the MJPEG URI."""
    check_profile(req, "tr2")
    uri = text(ctx.stream_url)
    return f"<tr2:GetStreamUriResponse><tr2:Uri>{uri}</tr2:Uri></tr2:GetStreamUriResponse>"


async def get_snapshot_uri(ctx: DeviceContext, req: SoapRequest) -> str:
    """The JPEG snapshot URI."""
    check_profile(req, "tr2")
    uri = text(ctx.snapshot_url)
    return f"<tr2:GetSnapshotUriResponse><tr2:Uri>{uri}</tr2:Uri></tr2:GetSnapshotUriResponse>"


HANDLERS: dict[str, Handler] = {
    "GetProfiles": get_profiles,
    "GetStreamUri": get_stream_uri,
    "GetSnapshotUri": get_snapshot_uri,
}
