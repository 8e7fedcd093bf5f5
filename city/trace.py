"""Per-alarm hop times for the scale bench: with CITY_TRACE=1 each incident's way is logged.

The worker logs when it took each incident message off the broker, when it began applying
the batch holding it and when that batch committed; the console logs when the NOTIFY arrived
and when it had sent the change to its WebSockets. Each is a `city.trace` INFO record: the hop
name and a JSON object (bench/bench_city.py reads them from the processes' logs). Off by
default: nothing is timed or logged then.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

__all__ = ["TRACING", "trace"]

TRACING = os.environ.get("CITY_TRACE") == "1"
_LOGGER = logging.getLogger("city.trace")
if TRACING:
    _LOGGER.setLevel(logging.INFO)


def trace(hop: str, **fields: Any) -> None:
    """Log one hop of one incident message (only with CITY_TRACE=1)."""
    if TRACING:
        _LOGGER.info("%s %s", hop, json.dumps(fields, separators=(",", ":")))
