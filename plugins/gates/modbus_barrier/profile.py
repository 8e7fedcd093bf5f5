"""Register maps as data: one YAML profile per controller model, in profiles/.

A profile says which write performs each command and how to read the gate's state (bits
of coils/discrete inputs, or a status register with value codes). A new model of a known
kind is a new YAML file, no code.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "PROFILE_DIR",
    "BitRule",
    "CommandSpec",
    "Profile",
    "ProfileError",
    "ReadSpec",
    "StatusSpec",
    "known_models",
    "load_device_profile_blocking",
    "load_profile_blocking",
    "load_profile_file_blocking",
    "resolve_profile",
]

PROFILE_DIR = Path(__file__).with_name("profiles")

Table = Literal["coils", "discrete_inputs", "holding_registers", "input_registers"]
StateName = Literal["closed", "opening", "open", "closing", "stopped", "fault"]
CommandName = Literal["open", "close", "stop", "hold_open", "release", "reset"]
BIT_TABLES = ("coils", "discrete_inputs")


class ProfileError(ValueError):
    """A profile file is missing or wrong; the message names the file and field."""


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


class Profile(_Model):
    """A controller model's register map."""

    model: str
    name: str
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


@functools.cache
def known_models() -> list[str]:
    """Return the model names shipped in profiles/ (listed once, at import)."""
    return sorted(path.stem for path in PROFILE_DIR.glob("*.yaml"))


known_models()  # list the folder at import time, not later on the event loop


def load_profile_blocking(model: str, directory: Path = PROFILE_DIR) -> Profile:
    """Read and validate <directory>/<model>.yaml (file I/O: run it in an executor)."""
    path = directory / f"{model}.yaml"
    if not path.is_file() and directory == PROFILE_DIR:
        known = ", ".join(known_models()) or "none"
        raise ProfileError(f"no profile for model {model!r} (known: {known})")
    profile = load_profile_file_blocking(path)
    if profile.model != model:
        raise ProfileError(f"{path}: model: {profile.model!r} does not match the file name")
    return profile


def load_profile_file_blocking(path: Path) -> Profile:
    """Read and validate one profile file; ProfileError names the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except OSError as err:
        raise ProfileError(f"{path}: cannot read: {err.strerror}") from err
    except yaml.YAMLError as err:
        raise ProfileError(f"{path}: invalid YAML: {err}") from err
    try:
        return Profile.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in err.errors()
        )
        raise ProfileError(f"{path}: {problems}") from err


def resolve_profile(
    config_dir: Path, model: str | None, profile: str | None, profile_dir: str | None
) -> tuple[str, Path]:
    """Where a device's register map is: (model name, file). Built-ins are the fallback.

    `profile` is a file; `profile_dir` a folder holding `<model>.yaml` files; relative paths
    start at the site configuration's folder. Checks nothing on disk but the folder lookup.
    """
    if profile is not None:
        path = Path(profile).expanduser()
        return path.stem, path if path.is_absolute() else config_dir / path
    assert model is not None  # the config model requires one of them
    if profile_dir is not None:
        folder = Path(profile_dir).expanduser()
        candidate = (folder if folder.is_absolute() else config_dir / folder) / f"{model}.yaml"
        if candidate.is_file():
            return model, candidate
    return model, PROFILE_DIR / f"{model}.yaml"


def load_device_profile_blocking(
    config_dir: Path, model: str | None, profile: str | None, profile_dir: str | None
) -> Profile:
    """The register map of one device entry (file I/O: run it in an executor)."""
    name, path = resolve_profile(config_dir, model, profile, profile_dir)
    if profile is not None:
        return load_profile_file_blocking(path)
    return load_profile_blocking(name, path.parent)
