"""Run one simulated Modbus device alone: `python -m simulators.modbus io_1 --port 5021`.

Devices: barrier_1 (coil layout), turnstile_1 (register layout), io_1, metal_1. The
device gets the site's HTTP control surface too (press, walk, cut, restore, fault).
"""

import sys

from ..cli import run_one

sys.exit(run_one(sys.argv[1:], __doc__ or ""))
