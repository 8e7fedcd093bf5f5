"""Panic-button tests: the schedule, test windows, the test history (issue 15)."""

from .config import AlarmTestsConfig
from .schedule import AlarmTests

__all__ = ["AlarmTests", "AlarmTestsConfig"]
