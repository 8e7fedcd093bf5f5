"""The `type: gb28181` entry of `uplinks:`: the platform, the hub's ID and what it exposes.

IDs not given are generated from `civil_code` and a sequence (the hub 200...1, cameras
132...1, 2, ..., alarm inputs 134..., speakers 137...); given ones are checked for the
20-digit structure and the type code their place needs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hub import UplinkConfig

from .ids import (
    TYPE_ALARM_INPUT,
    TYPE_CAMERA,
    TYPE_PLATFORM,
    TYPE_SPEAKER,
    check_id,
    generate_id,
    parse_id,
)

__all__ = ["AlarmMapping", "ChannelConfig", "Gb28181Config"]


class ChannelConfig(BaseModel):
    """One exposed entity: its entity_id, optionally its ID and the name the police see."""

    model_config = ConfigDict(extra="forbid")

    entity_id: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    id: str | None = None
    name: str | None = None
    #: a speaker's: the camera whose audio track is the gate's microphone (voice intercom)
    microphone: str | None = Field(default=None, pattern=r"^camera\.[a-z0-9_]+$")


class AlarmMapping(BaseModel):
    """How an incident category is reported: AlarmMethod (1-7) and AlarmType."""

    model_config = ConfigDict(extra="forbid")

    method: int = Field(ge=1, le=7)
    type: int | None = Field(default=None, ge=1, le=99)


#: device alarm (2) from the alarm input; tamper is device alarm type 2; video alarms (5):
#: intrusion 6; watch-list match: other (7); device offline: fault (6)
DEFAULT_ALARMS = {
    "panic": AlarmMapping(method=2), "metal_detected": AlarmMapping(method=2),
    "tamper": AlarmMapping(method=2, type=2), "intrusion": AlarmMapping(method=5, type=6),
    "device_offline": AlarmMapping(method=6), "watchlist_match": AlarmMapping(method=7),
    "guard_off_post": AlarmMapping(method=7),
}  # fmt: skip


class Gb28181Config(UplinkConfig):
    """A GB/T 28181 police video platform the hub joins as a lower-level platform."""

    type: Literal["gb28181"] = "gb28181"
    platform_id: str
    platform_domain: str | None = None  # default: the first 10 digits of platform_id
    platform_host: str
    platform_port: int = Field(default=5060, ge=1, le=65535)
    transport: Literal["udp", "tcp"] = "udp"
    #: the address the platform reaches the hub at (SIP Contact, SDP c=); default: this
    #: machine's address on the route to platform_host (behind NAT: set it)
    local_host: str | None = None
    local_port: int = Field(default=5060, ge=0, le=65535)
    civil_code: str = Field(pattern=r"^\d{6}(\d{2})?$")
    industry: str = Field(default="00", pattern=r"^\d{2}$")
    network: str = Field(default="0", pattern=r"^\d$")
    device_id: str | None = None
    password: SecretStr
    device_name: str = "Campus Hub"
    register_expires: int = Field(default=3600, ge=1, le=86400)
    keepalive_interval: float = Field(default=60.0, gt=0, le=3600)
    keepalive_misses: int = Field(default=3, ge=1, le=20)
    retry_initial: float = Field(default=5.0, gt=0, le=600)
    retry_max: float = Field(default=300.0, gt=0, le=3600)
    cameras: list[ChannelConfig] = []
    alarm_inputs: list[ChannelConfig] = []
    speakers: list[ChannelConfig] = []
    alarms: dict[str, AlarmMapping] = Field(default_factory=lambda: dict(DEFAULT_ALARMS))
    #: voice broadcast: who sends the audio INVITE after the platform's Notify Broadcast
    #: ("device": the hub, as GB/T 28181-2016 9.12; "platform": the platform does)
    broadcast_invite: Literal["device", "platform"] = "device"
    broadcast_transport: Literal["udp", "tcp"] = "udp"  # media of the hub's own INVITE
    broadcast_idle_timeout: float = Field(default=10.0, gt=0, le=600)  # no audio: hang up
    broadcast_volume: int = Field(default=90, ge=0, le=100)
    #: audio is sent to the speaker in pieces this long: the delay the gate hears
    broadcast_chunk_seconds: float = Field(default=1.0, ge=0.1, le=5)

    @field_validator("platform_id")
    @classmethod
    def _platform_id(cls, value: str) -> str:
        return check_id(value)

    @field_validator("device_id")
    @classmethod
    def _device_id(cls, value: str | None) -> str | None:
        return None if value is None else check_id(value, TYPE_PLATFORM)

    @model_validator(mode="after")
    def _fill_ids(self) -> Gb28181Config:
        def make(type_code: str, sequence: int) -> str:
            return generate_id(self.civil_code, type_code, sequence, industry=self.industry,
                               network=self.network)

        if self.device_id is None:
            self.device_id = make(TYPE_PLATFORM, 1)
        if self.platform_domain is None:
            self.platform_domain = self.platform_id[:10]
        seen = {self.device_id: "device_id"}
        for field, type_code in (("cameras", TYPE_CAMERA), ("alarm_inputs", TYPE_ALARM_INPUT),
                                 ("speakers", TYPE_SPEAKER)):
            for n, channel in enumerate(getattr(self, field)):
                if channel.microphone is not None and field != "speakers":
                    raise ValueError(f"{field}[{n}].microphone: only speakers have one")
                where = f"{field}[{n}].id"
                if channel.id is None:
                    channel.id = make(type_code, n + 1)
                else:
                    try:
                        check_id(channel.id, type_code)
                    except ValueError as err:
                        raise ValueError(f"{where}: {err}") from None
                if channel.id in seen:
                    raise ValueError(f"{where}: {channel.id} is also {seen[channel.id]}")
                seen[channel.id] = where
        parse_id(self.device_id)
        return self
