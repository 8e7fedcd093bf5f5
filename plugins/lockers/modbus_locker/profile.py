"""Register maps as data: one YAML profile per locker controller model, in profiles/.

A profile says how a door's lock relay is pulsed (a coil or register per door, or the door
number written into one command register) and where the door contacts and item sensors
are read (one bulk read each), with their polarity. A new controller model is a new YAML
file, no code; `profile:` / `profile_dir:` point at files beside the site configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.device_profiles import DeviceProfile, ProfileError, ProfileLibrary

__all__ = [
    "PROFILES",
    "PROFILE_DIR",
    "LockerProfile",
    "ProfileError",
    "RelaySpec",
    "SensorSpec",
    "known_models",
]

PROFILE_DIR = Path(__file__).with_name("profiles")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RelaySpec(_Model):
    """How a door is unlocked.

    `per_door`: door N is `address + N - 1` in `table`, written with `value`.
    `door_number`: the door number N is written into the register at `address`.
    `pulse_seconds` > 0: the relay latches, so `0` is written back after that long.
    """

    table: Literal["coils", "holding_registers"]
    address: int = Field(ge=0, le=65535)
    mode: Literal["per_door", "door_number"] = "per_door"
    value: int = Field(default=1, ge=1, le=65535)
    pulse_seconds: float = Field(default=0.0, ge=0, le=10)

    @model_validator(mode="after")
    def _fits(self) -> RelaySpec:
        if self.mode == "door_number" and self.table != "holding_registers":
            raise ValueError("mode door_number writes a register: use table holding_registers")
        return self


class SensorSpec(_Model):
    """Bits read in one request, door 1 at `address`; `active` is the reading that means yes."""

    table: Literal["coils", "discrete_inputs"]
    address: int = Field(ge=0, le=65535)
    active: bool = True


class _DoorSensor(SensorSpec):
    active: bool = Field(default=True, alias="open_when")


class _ItemSensor(SensorSpec):
    active: bool = Field(default=True, alias="present_when")


class LockerProfile(DeviceProfile):
    """A locker controller model's register map."""

    doors: int = Field(ge=1, le=64)
    relay: RelaySpec
    door_sensor: _DoorSensor
    item_sensor: _ItemSensor | None = None
    #: Seconds a write may take (slow relay boards answer once the lock has energised).
    command_timeout: float = Field(default=1.0, gt=0, le=30)


PROFILES = ProfileLibrary(LockerProfile, PROFILE_DIR)
known_models = PROFILES.known_models
