"""Configuration: YAML with locations, validation, and error rendering."""

from pathlib import Path
from typing import Any

from ..fieldpath import format_path
from .located import YamlError, location_of
from .models import CoreConfig, HubConfig
from .validate import CORE_SECTIONS, check_config, load_config, validate_config

__all__ = [
    "CORE_SECTIONS",
    "CoreConfig",
    "HubConfig",
    "YamlError",
    "check_config",
    "format_path",
    "load_config",
    "load_yaml",
    "location_of",
    "validate_config",
]


def load_yaml(path: str | Path) -> Any:
    """Load a YAML file with locations; raise YamlError naming file:line on any problem."""
    from .yaml_loader import load_yaml as load  # PyYAML is imported on the first read

    return load(path)
