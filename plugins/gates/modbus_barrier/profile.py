"""Register maps as data: one YAML profile per controller model, in profiles/.

A profile says which write performs each command and how to read the gate's state (bits
of coils/discrete inputs, or a status register with value codes). A new model of a known
kind is a new YAML file, no code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.device_profiles import DeviceProfile, ProfileError, ProfileLibrary

__all__ = [
    "PROFILES",
    "PROFILE_DIR",
    "BitRule",
    "CommandSpec",
    "Profile",
    "ProfileError",
    "ReadSpec",
    "StatusSpec",
    "known_models",
    "load_profile_blocking",
]

PROFILE_DIR = Path(__file__).with_name("profiles")

Table = Literal["coils", "discrete_inputs", "holding_registers", "input_registers"]
StateName = Literal["closed", "opening", "open", "closing", "stopped", "fault"]
CommandName = Literal["open", "close", "stop", "hold_open", "release", "reset"]
BIT_TABLES = ("coils", "discrete_inputs")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CommandSpec(_Model):
    """One write that performs a command."""

    table: Literal["coils", "holding_registers"]
    address: int = Field(ge=0, le=65535)
    value: int = Field(ge=0, le=65535)


class BitRule(_Model):
    """`state` applies when bit `bit` of the status read equals `active`."""

    bit: int = Field(ge=0)
    state: StateName
    active: bool = True


class ReadSpec(_Model):
    """A bulk read whose values become attributes, named in order (null skips one)."""

    table: Table
    address: int = Field(ge=0, le=65535)
    count: int = Field(ge=1, le=125)
    names: list[str | None] = []


class StatusSpec(ReadSpec):
    """The read that gives the state: bit rules (first match wins) or a status register."""

    bits: list[BitRule] = []
    register_index: int | None = Field(default=None, ge=0)
    values: dict[int, StateName] = {}
    otherwise: StateName = "stopped"

    @model_validator(mode="after")
    def _consistent(self) -> StatusSpec:
        if self.table in BIT_TABLES:
            if not self.bits:
                raise ValueError("a bit status read needs `bits` rules")
            if any(rule.bit >= self.count for rule in self.bits):
                raise ValueError("a `bits` rule points past `count`")
        elif self.register_index is None or not self.values:
            raise ValueError("a register status read needs `register_index` and `values`")
        elif self.register_index >= self.count:
            raise ValueError("`register_index` points past `count`")
        return self


class Profile(DeviceProfile):
    """A controller model's register map."""

    kind: Literal["barrier", "turnstile"]
    commands: dict[CommandName, CommandSpec]
    status: StatusSpec
    attributes: list[ReadSpec] = []

    @model_validator(mode="after")
    def _has_basics(self) -> Profile:
        missing = {"open", "close"} - set(self.commands)
        if missing:
            raise ValueError(f"commands: missing {sorted(missing)}")
        return self


PROFILES = ProfileLibrary(Profile, PROFILE_DIR)
known_models = PROFILES.known_models
load_profile_blocking = PROFILES.load_blocking
