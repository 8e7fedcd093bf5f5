"""Register maps as data: one YAML profile per locker controller model, in profiles/.

A profile says how a door's lock relay is pulsed (a coil or register per door, or the door
number written into one command register) and where the door contacts and item sensors
are read (one bulk read each), with their polarity. A new controller model is a new YAML
file, no code; `profile:` / `profile_dir:` point at files beside the site configuration.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "PROFILE_DIR",
    "LockerProfile",
    "ProfileError",
    "RelaySpec",
    "SensorSpec",
    "known_models",
    "load_device_profile_blocking",
]

PROFILE_DIR = Path(__file__).with_name("profiles")


class ProfileError(ValueError):
    """A profile file is missing or wrong; the message names the file and field."""


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


class LockerProfile(_Model):
    """A locker controller model's register map."""

    model: str
    name: str
    doors: int = Field(ge=1, le=64)
    relay: RelaySpec
    door_sensor: _DoorSensor
    item_sensor: _ItemSensor | None = None
    #: Seconds a write may take (slow relay boards answer once the lock has energised).
    command_timeout: float = Field(default=1.0, gt=0, le=30)


@functools.cache
def known_models() -> list[str]:
    """Return the model names shipped in profiles/ (listed once, at import)."""
    return sorted(path.stem for path in PROFILE_DIR.glob("*.yaml"))


known_models()  # list the folder at import time, not later on the event loop


def _load_file_blocking(path: Path) -> LockerProfile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except OSError as err:
        raise ProfileError(f"{path}: cannot read: {err.strerror}") from err
    except yaml.YAMLError as err:
        raise ProfileError(f"{path}: invalid YAML: {err}") from err
    try:
        return LockerProfile.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in err.errors()
        )
        raise ProfileError(f"{path}: {problems}") from err


def load_device_profile_blocking(
    config_dir: Path, model: str | None, profile: str | None, profile_dir: str | None
) -> LockerProfile:
    """The register map of one device entry (file I/O: run it in an executor).

    `profile` is a file; else `<profile_dir>/<model>.yaml` when it exists, else the built-in
    profile of `model`. Relative paths start at the site configuration's folder.
    """
    if profile is not None:
        path = Path(profile).expanduser()
        return _load_file_blocking(path if path.is_absolute() else config_dir / path)
    assert model is not None  # the config model requires one of them
    if profile_dir is not None:
        folder = Path(profile_dir).expanduser()
        candidate = (folder if folder.is_absolute() else config_dir / folder) / f"{model}.yaml"
        if candidate.is_file():
            return _checked(_load_file_blocking(candidate), model, candidate)
    path = PROFILE_DIR / f"{model}.yaml"
    if not path.is_file():
        raise ProfileError(f"no profile for model {model!r} (known: "
                           f"{', '.join(known_models()) or 'none'})")
    return _checked(_load_file_blocking(path), model, path)


def _checked(profile: LockerProfile, model: str, path: Path) -> LockerProfile:
    if profile.model != model:
        raise ProfileError(f"{path}: model: {profile.model!r} does not match the file name")
    return profile
