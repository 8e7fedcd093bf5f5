"""A plugin's manifest.json: read without importing the plugin's code."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .exceptions import ManifestError

__all__ = ["Manifest", "find_manifest", "read_manifest"]

#: What a plugin provides: a device kind's domain (built-in ones such as `gate`, or one a
#: plugin registers such as `locker`), `recognition`, `uplink` or `other`.
Kind = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class Manifest(BaseModel):
    """What a plugin declares about itself."""

    model_config = ConfigDict(extra="forbid")

    domain: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    kinds: list[Kind] = Field(min_length=1)
    version: str
    hub: str = ">=0.1"
    dependencies: list[str] = []
    iot_class: Literal["local_push", "local_polling", "cloud_push", "cloud_polling",
                       "calculated"] = "local_polling"
    codeowners: list[str] = []
    documentation: str = ""


def read_manifest(path: Path) -> Manifest:
    """Read and validate a manifest file; raise ManifestError saying what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no manifest.json") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: {exc}") from None
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ManifestError(f"{path}: {errors}") from None


def find_manifest(module: str) -> Path:
    """Return the manifest path of a plugin package without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ManifestError(f"{module}: module not found")
    return Path(spec.origin).parent / "manifest.json"
