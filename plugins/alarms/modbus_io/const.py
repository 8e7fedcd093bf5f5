"""Constants of the modbus_io plugin."""

from typing import Final

DOMAIN: Final = "modbus_io"
DEFAULT_SCAN_INTERVAL: Final = 0.1
DEFAULT_COUNTER_INTERVAL: Final = 1.0
DEFAULT_RECONNECT_MAX_DELAY: Final = 2.0
