"""The `gat1400` uplink's configuration (one entry of the `uplinks:` section)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hub.incidents.config import PriorityValue
from hub.uplinks import UplinkConfig

from .ids import Role, check_device_id
from .times import TimeFormat, zone_of

__all__ = ["ApeConfig", "Gat1400Config", "PoliceCategory"]


def _device_id(value: str, role: Role) -> str:
    problem = check_device_id(value, role)
    if problem is not None:
        raise ValueError(f"GA/T 1400 / GB/T 28181 code {value!r}: {problem}")
    return value


class ApeConfig(BaseModel):
    """A camera declared to the views library as a collecting device (APE)."""

    model_config = ConfigDict(extra="forbid")

    ape_id: str
    name: str = Field(min_length=1, max_length=100)
    place: str = ""
    #: administrative division code of the place (6 digits, GB/T 2260)
    place_code: str = Field(default="", pattern=r"^(\d{6})?$")
    longitude: float | None = Field(default=None, ge=-180, le=180)
    latitude: float | None = Field(default=None, ge=-90, le=90)

    @field_validator("ape_id")
    @classmethod
    def _ape(cls, value: str) -> str:
        return _device_id(value, "ape")


class PoliceCategory(BaseModel):
    """How a police category is handled at the gate (graded handling, 分类处置)."""

    model_config = ConfigDict(extra="forbid")

    #: the local name (a recognition.categories key such as wanted, at_risk), shown to guards
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    priority: PriorityValue | None = None
    instructions: str | None = None


class Gat1400Config(UplinkConfig):
    """A police views library: where, who the hub is, what goes up, how hits come back."""

    type: Literal["gat1400"] = "gat1400"
    url: str = Field(pattern=r"^https?://")
    #: the hub's 20-digit code, issued by the police
    device_id: str
    user: str = Field(min_length=1)
    password: SecretStr
    #: the views library's own code (checked against User-Identify of its calls, if set)
    platform_id: str | None = None
    #: camera entity_id -> its APE declaration; captures of other cameras are not sent
    cameras: dict[str, ApeConfig] = Field(min_length=1)
    #: what goes up: "default" = watch-list hits, unknown faces and visitors; "all" adds the
    #: enrolled students, staff and parents (every such upload is audited)
    upload: Literal["default", "all"] = "default"
    #: allow-list groups that count as visitors (uploaded by default)
    visitor_groups: list[str] = Field(default_factory=lambda: ["visitor"])
    time_format: TimeFormat = "compact"
    #: the platform's time zone; None: the hub's
    time_zone: str | None = None
    envelope: Literal["ListObject", "List"] = "ListObject"
    content_type: Literal["application/VIID+JSON", "application/json"] = "application/VIID+JSON"
    event_sort: int = Field(default=4, ge=0, le=999)
    timeout: float = Field(default=10.0, gt=0, le=120)
    keepalive_interval: float = Field(default=60.0, gt=0, le=3600)
    clock_interval: float = Field(default=600.0, gt=0, le=86400)
    #: a warning on the uplink's state when the platform's clock is further off than this
    clock_bound: float = Field(default=5.0, gt=0, le=3600)
    #: credentials the views library uses to call the hub (Digest); None: refuse every call
    notify_user: str | None = None
    notify_password: SecretStr | None = None
    #: subscribe at the platform for these SubscribeDetail codes (e.g. "12"), notifications
    #: to `receive_addr`; renewed at every registration. Empty: the police set it up.
    subscribe_details: list[str] = Field(default_factory=list)
    #: where the platform reaches the hub; default hub.external_url + the standard path
    receive_addr: str | None = Field(default=None, pattern=r"^https?://")
    subscribe_days: float = Field(default=30.0, gt=0, le=3650)
    #: police category (code or title, as the platform sends it) -> handling at the gate
    police_categories: dict[str, PoliceCategory] = Field(default_factory=dict)
    #: watch-list category of persons the platform pushes when no police_categories entry
    #: matches their disposition
    disposition_category: str = Field(default="wanted", pattern=r"^[a-z0-9_]+$")

    @field_validator("device_id")
    @classmethod
    def _hub_id(cls, value: str) -> str:
        return _device_id(value, "system")

    @field_validator("platform_id")
    @classmethod
    def _platform_id(cls, value: str | None) -> str | None:
        return None if value is None else _device_id(value, "platform")

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone_of(value)
        return value

    @field_validator("cameras")
    @classmethod
    def _cameras(cls, value: dict[str, ApeConfig]) -> dict[str, ApeConfig]:
        bad = [k for k in value if not k.startswith("camera.")]
        if bad:
            raise ValueError(f"keys must be camera entity ids (camera.xxx), got {bad}")
        seen: dict[str, str] = {}
        for entity, ape in value.items():
            if ape.ape_id in seen:
                raise ValueError(f"{entity} and {seen[ape.ape_id]} have one ape_id "
                                 f"{ape.ape_id}")
            seen[ape.ape_id] = entity
        return value

    @model_validator(mode="after")
    def _notify(self) -> Gat1400Config:
        if (self.notify_user is None) != (self.notify_password is None):
            raise ValueError("notify_user and notify_password go together")
        return self
