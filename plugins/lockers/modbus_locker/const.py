"""Constants of the modbus_locker plugin."""

from typing import Final

DOMAIN: Final = "modbus_locker"
DEFAULT_SCAN_INTERVAL: Final = 0.5
