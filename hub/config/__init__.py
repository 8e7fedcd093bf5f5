"""Configuration: YAML with locations, validation, and error rendering."""

from ..fieldpath import format_path
from .models import CoreConfig, HubConfig
from .validate import CORE_SECTIONS, check_config, load_config, validate_config
from .yaml_loader import YamlError, load_yaml, location_of

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
