"""The hub's version, which a plugin manifest's `hub` range is checked against."""

__all__ = ["HUB_VERSION"]

HUB_VERSION = "0.1.0"
