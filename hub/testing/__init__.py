"""Test helpers for the hub and for vendor plugins (a pytest plugin: hub.testing.pytest_plugin)."""

from .clock import FakeClock
from .harness import HubHarness, make_hub, wait_for, wait_for_state

__all__ = ["FakeClock", "HubHarness", "make_hub", "wait_for", "wait_for_state"]
