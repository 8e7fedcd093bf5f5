"""Typed component keys: a HubKey reads and writes the same entry as its plain name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.hubkey import RECORDER, Components, HubKey
from hub.recorder.component import Recorder


async def test_the_recorder_is_reached_by_its_typed_key(hub_factory: Callable[..., Any]) -> None:
    """`hub.components[RECORDER]` is the running Recorder, the same as by name."""
    h = await hub_factory("hub: {}\n")
    recorder = h.hub.components[RECORDER]
    assert isinstance(recorder, Recorder)
    assert recorder is h.hub.components["recorder"] and RECORDER in h.hub.components


def test_a_key_and_its_name_are_one_entry() -> None:
    """Setting by key, reading by name (and back); get() gives None for a missing key."""
    components = Components()
    key: HubKey[list[int]] = HubKey("numbers")
    components[key] = [1]
    assert components["numbers"] == [1] and components.get(key) == [1]
    assert components.get(HubKey[int]("absent")) is None and "absent" not in components


def _plain_lookups(path: Path) -> list[str]:
    """`x.components["name"]`, `x.components.get("name")`, or a module's string constant."""
    import ast

    tree = ast.parse(path.read_text())
    strings = {"DOMAIN"}  # each component's name, often imported from its own module
    for n in ast.walk(tree):
        if isinstance(n, ast.Assign | ast.AnnAssign) and isinstance(n.value, ast.Constant) \
                and isinstance(n.value.value, str):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            strings.update(t.id for t in targets if isinstance(t, ast.Name))
    found = []
    for node in ast.walk(tree):
        target: ast.expr | None = None
        if isinstance(node, ast.Subscript):
            owner, target = node.value, node.slice
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "get" and node.args):
            owner, target = node.func.value, node.args[0]
        else:
            continue
        if not (isinstance(owner, ast.Attribute) and owner.attr == "components"):
            continue
        if isinstance(target, ast.Constant) or (isinstance(target, ast.Name)
                                                and target.id in strings):
            found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_hub_and_plugins_look_components_up_by_typed_key() -> None:
    """No component is read or stored by its plain name in hub/ or plugins/ (issue 11): a
    lookup by HubKey is typed, a plain name is `Any` and hid, for one, that the recorder's
    write gate the gallery probed for no longer existed."""
    root = Path(__file__).resolve().parents[2]
    found = [hit for folder in ("hub", "plugins") for path in sorted((root / folder).rglob("*.py"))
             for hit in _plain_lookups(path)]
    assert found == []
