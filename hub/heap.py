"""Keep the cyclic garbage collector off the hub's long-lived objects, once per process.

A full collection visits every tracked object. By the time a hub is built, the process
holds hundreds of thousands of them (modules, classes, pydantic schemas, the parsed site
file) that live as long as the process; after start it also holds every entity and state.
`gc.freeze()` moves what exists into a permanent generation the collector skips: the start
itself pays fewer and cheaper collections (setting 10,000 states went from 41 to 15 ms, two
thirds of it a full collection; bench/README.md "Core vs Home Assistant"), and later full
collections, pauses on the event loop, only visit objects made since.

Frozen objects are still freed by reference counting when dropped (a replaced `State`, a
closed connection); only reference cycles among them are never collected. Each stage
freezes once per process, so a process that builds many hubs (the test suite) does not
keep freezing the garbage of earlier ones.
"""

from __future__ import annotations

import gc
from typing import Literal

__all__ = ["Stage", "settle"]

Stage = Literal["created", "started"]
_DONE: set[Stage] = set()


def settle(stage: Stage) -> bool:
    """Freeze the objects alive now, the first time `stage` is reached; return whether it did."""
    if stage in _DONE:
        return False
    _DONE.add(stage)
    gc.freeze()
    return True
