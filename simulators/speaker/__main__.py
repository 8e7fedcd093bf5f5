"""Run the simulated IP speaker alone: `python -m simulators.speaker speaker_1 --port 8081`."""

import sys

from ..cli import run_one

sys.exit(run_one(sys.argv[1:], __doc__ or ""))
