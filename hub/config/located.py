"""Values that remember where in which file they came from, and the error for bad YAML.

Kept apart from the loader so that code which only reads locations (config validation,
error messages) does not import PyYAML; it is imported when a file is first read.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Located", "YDict", "YList", "YamlError", "location_of"]

Located = tuple[str, int]


class YamlError(Exception):
    """A YAML file could not be read; the message starts with file:line."""


class YDict(dict[str, Any]):
    """A mapping that knows its own location and the location of each key."""

    loc: Located = ("?", 0)
    key_locs: dict[str, Located]


class YList(list[Any]):
    """A sequence that knows its own location and the location of each item."""

    loc: Located = ("?", 0)
    item_locs: list[Located]


def location_of(root: Any, path: tuple[str | int, ...]) -> Located | None:
    """Return the file and line of the deepest part of `path` that exists in `root`."""
    node, best = root, getattr(root, "loc", None)
    for part in path:
        if isinstance(node, YDict) and isinstance(part, str) and part in node:
            best = node.key_locs.get(part, best)
            node = node[part]
        elif isinstance(node, YList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_locs[part]
            node = node[part]
        elif isinstance(node, YDict) and part == 0:
            continue  # one mapping where a list is allowed (HA shorthand): it is item 0
        else:
            break
    return best
