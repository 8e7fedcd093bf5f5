"""The locker device kind: a plugin-registered domain (`locker`), no edit of hub/.

Vendor plugins (plugins/lockers/modbus_locker) subclass `Locker` for their doors; this
plugin registers the kind, its services (`locker.open`, `locker.assign`, `locker.release`)
and the incident categories a locker raises (door left open, item left overnight).
"""

from __future__ import annotations

from pathlib import Path

from hub import CategoryConfig, DeviceKind, Priority, hookimpl

from .config import LockerBankConfig
from .const import CATEGORY_DOOR_OPEN, CATEGORY_ITEM_OVERNIGHT, KIND
from .locker import LOCKER_SERVICES, Locker, LockerState

__all__ = ["LOCKER_KIND", "Locker", "LockerBankConfig", "LockerState"]

LOCKER_KIND = DeviceKind(KIND, Locker, LOCKER_SERVICES,
                         "Lockers for visitors' items: doors to open, assign and release",
                         card=Path(__file__).with_name("card.js"))


@hookimpl
def register_kinds() -> list[DeviceKind]:
    """The `locker` kind."""
    return [LOCKER_KIND]


@hookimpl
def register_incident_categories() -> dict[str, CategoryConfig]:
    """What a locker raises: a door left open, an item left overnight."""
    return {
        CATEGORY_DOOR_OPEN: CategoryConfig(priority=Priority.MEDIUM, title="Locker door left open"),
        CATEGORY_ITEM_OVERNIGHT: CategoryConfig(priority=Priority.LOW,
                                                title="Item left in a locker overnight"),
    }
