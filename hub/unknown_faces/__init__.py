"""Unknown faces after hours: an incident, by schedule, for a face nobody knows (issue 15)."""

from .config import UnknownFacesConfig

__all__ = ["UnknownFacesConfig"]
