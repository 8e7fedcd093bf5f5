"""Settings of one simulated ONVIF camera."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

#: Operations many real cameras answer without WS-UsernameToken.
OPEN_COMMON = frozenset({"GetSystemDateAndTime", "GetCapabilities", "GetServices"})
#: Only the ONVIF-mandated pre-auth call stays open.
OPEN_STRICT = frozenset({"GetSystemDateAndTime"})
#: Refuse everything without auth (some firmware does, against the spec).
OPEN_NONE: frozenset[str] = frozenset()


class Fault(StrEnum):
    """Switchable misbehaviour of the SOAP endpoint."""

    NONE = "none"
    BAD_AUTH = "bad_auth"  # every authenticated call is refused, as if the password changed
    MALFORMED = "malformed"  # answers are truncated, unparseable XML
    SOAP_FAULT = "soap_fault"  # every call answers an env:Receiver fault
    TIMEOUT = "timeout"  # requests are read and never answered


@dataclass(slots=True)
class SimulatorConfig:
    """What the camera is, how it authenticates and which extras it runs."""

    name: str = "Gate Camera"
    host: str = "127.0.0.1"
    port: int = 0
    control_port: int | None = 0  # None: no separate control server
    username: str = "admin"
    password: str = "admin"
    manufacturer: str = "CampusSim"
    model: str = "SIM-IPC-1"
    firmware: str = "1.0.0"
    serial: str = "SIM0001"
    mac: str = "02:00:00:00:00:01"
    hardware_id: str = "SIMHW1"
    location: str = "gate"
    open_operations: frozenset[str] = OPEN_COMMON
    snapshot_auth: Literal["digest", "basic", "none"] = "digest"
    stream_auth: Literal["basic", "digest", "none"] = "none"  # MJPEG and RTSP (else 401)
    ptz: bool = True
    media2: bool = True
    digital_inputs: int = 2
    #: Relay outputs served by the DeviceIO service (AlarmOut_1...); 0: no DeviceIO service.
    relay_outputs: int = 0
    #: "monostable": an activated relay falls back to idle after relay_delay seconds.
    relay_mode: Literal["bistable", "monostable"] = "bistable"
    relay_delay: float = 1.0
    width: int = 640
    height: int = 360
    fps: float = 5.0
    faces_dir: Path | None = None
    face_seconds: float = 3.0
    #: "walk": each face crosses the picture in face_seconds (a person walking past the
    #: gate, smaller, for tracking); "still": it stays in the middle.
    face_motion: Literal["still", "walk"] = "still"
    rtsp: bool = False
    rtsp_port: int = 0
    rtsp_source: Literal["scene", "pattern"] = "scene"
    #: RTP transports the RTSP server accepts (cameras that only do one exist).
    rtsp_transports: Literal["any", "tcp", "udp"] = "any"
    #: the RTSP stream's codec (cameras set to H.265 exist: GStreamer x265enc, rtph265pay)
    rtsp_codec: Literal["h264", "h265"] = "h264"
    #: an audio track (a gate camera's microphone): "pcma" = a 1 kHz tone as G.711 A-law
    rtsp_audio: Literal["none", "pcma"] = "none"
    discovery: bool = False
    discovery_port: int = 3702
    multicast: bool = False
    zeroconf: bool = False
    extra_scopes: tuple[str, ...] = field(default_factory=tuple)
    #: "fault": answer every Probe with a MatchingRuleNotSupported SOAP fault.
    discovery_reply: Literal["match", "fault"] = "match"
    #: WS-Discovery reply shape: False puts the ProbeMatch straight in the Body (some firmware).
    probe_matches_wrapper: bool = True
    #: WS-Addressing namespace of the EndpointReference: the 2004/08 one WS-Discovery names, or
    #: the W3C 2005/08 one some cameras use.
    endpoint_addressing: Literal["wsa2004", "wsa2005"] = "wsa2004"
    #: Operations this firmware lacks: answered with ter:ActionNotSupported (e.g. GetHostname).
    missing_operations: frozenset[str] = frozenset()

    @property
    def endpoint_uuid(self) -> str:
        """Stable WS-Addressing endpoint reference derived from the serial number."""
        digits = "".join(f"{ord(c):02x}" for c in self.serial)[:12].ljust(12, "0")
        return f"urn:uuid:5a1e0000-ca4e-4000-8000-{digits}"

    @property
    def scopes(self) -> tuple[str, ...]:
        """ONVIF scopes announced in GetScopes and ProbeMatch."""
        base: tuple[str, ...] = (
            "onvif://www.onvif.org/type/video_encoder",
            "onvif://www.onvif.org/type/Network_Video_Transmitter",
            "onvif://www.onvif.org/Profile/Streaming",
            "onvif://www.onvif.org/Profile/T",
            f"onvif://www.onvif.org/name/{self.name.replace(' ', '_')}",
            f"onvif://www.onvif.org/hardware/{self.model}",
            f"onvif://www.onvif.org/location/{self.location}",
            f"onvif://www.onvif.org/manufacturer/{self.manufacturer}",
        )
        if self.ptz:
            base += ("onvif://www.onvif.org/type/ptz",)
        return base + self.extra_scopes
