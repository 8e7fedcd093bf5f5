"""Test helpers for the hub and for vendor plugins (a pytest plugin: hub.testing.pytest_plugin)."""

from .clock import FakeClock
from .harness import HubHarness, make_hub, wait_for, wait_for_state
from .net import free_port, wait_listening

__all__ = ["FakeClock", "HubHarness", "free_port", "make_hub", "wait_for", "wait_for_state",
           "wait_listening"]
