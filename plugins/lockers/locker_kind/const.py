"""Constants of the locker kind."""

from typing import Final

DOMAIN: Final = "locker_kind"
KIND: Final = "locker"
CATEGORY_DOOR_OPEN: Final = "locker_door_open"
CATEGORY_ITEM_OVERNIGHT: Final = "locker_item_overnight"
EVENT_LOCKER_OPENED: Final = "locker_opened"
