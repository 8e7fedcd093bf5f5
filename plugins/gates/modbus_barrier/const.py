"""Constants of the modbus_barrier plugin."""

from typing import Final

DOMAIN: Final = "modbus_barrier"
DEFAULT_SCAN_INTERVAL: Final = 0.2
