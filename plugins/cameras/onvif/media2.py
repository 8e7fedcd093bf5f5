"""ONVIF Media2 (ver20/media) over raw SOAP: onvif-zeep-async bundles no WSDL for it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import aiohttp

from .models import MediaProfile
from .wsse import soap_call

TR2 = "http://www.onvif.org/ver20/media/wsdl"
TT = "http://www.onvif.org/ver10/schema"
NS = {"tr2": TR2, "tt": TT}


def _int(element: ET.Element, path: str) -> int:
    text = element.findtext(path, default="0", namespaces=NS)
    try:
        return int(text)
    except ValueError:
        return 0


def parse_profiles(reply: ET.Element) -> list[MediaProfile]:
    """MediaProfile values of a tr2:GetProfilesResponse."""
    profiles = []
    for item in reply.findall("tr2:Profiles", NS):
        encoder = item.find("tr2:Configurations/tr2:VideoEncoder", NS)
        profiles.append(
            MediaProfile(
                token=item.get("token", ""),
                name=item.findtext("tr2:Name", default="", namespaces=NS),
                encoding="" if encoder is None else encoder.findtext("tt:Encoding", "", NS),
                width=0 if encoder is None else _int(encoder, "tt:Resolution/tt:Width"),
                height=0 if encoder is None else _int(encoder, "tt:Resolution/tt:Height"),
                ptz=item.find("tr2:Configurations/tr2:PTZ", NS) is not None,
            )
        )
    return profiles


class Media2Client:
    """GetProfiles, GetStreamUri and GetSnapshotUri of the Media2 service."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, username: str, password: str,
        timeout: float,
    ) -> None:  # fmt: skip
        self.session, self.url, self.timeout = session, url, timeout
        self._username, self._password = username, password

    async def _call(self, body: str) -> ET.Element:
        return await soap_call(
            self.session, self.url, body, NS, self._username, self._password, self.timeout
        )

    async def profiles(self) -> list[MediaProfile]:
        """Every profile with its video encoder."""
        return parse_profiles(
            await self._call("<tr2:GetProfiles><tr2:Type>All</tr2:Type></tr2:GetProfiles>")
        )

    async def stream_uri(self, token: str, protocol: str = "RTSP") -> str:
        """The stream URI of a profile."""
        reply = await self._call(
            f"<tr2:GetStreamUri><tr2:Protocol>{protocol}</tr2:Protocol>"
            f"<tr2:ProfileToken>{token}</tr2:ProfileToken></tr2:GetStreamUri>"
        )
        return reply.findtext("tr2:Uri", default="", namespaces=NS).strip()

    async def snapshot_uri(self, token: str) -> str:
        """The snapshot URI of a profile."""
        reply = await self._call(
            f"<tr2:GetSnapshotUri><tr2:ProfileToken>{token}</tr2:ProfileToken></tr2:GetSnapshotUri>"
        )
        return reply.findtext("tr2:Uri", default="", namespaces=NS).strip()
