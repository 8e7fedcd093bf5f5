"""docs/architecture.md stays true to the tree: every file and folder it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_PATH = re.compile(r"`((?:hub|plugins|simulators|tests|data|config|docs|bench)/[\w./<>-]*?)"
                   r"(?:::\w+)?`")


def test_every_path_named_in_the_architecture_doc_exists() -> None:
    """A renamed or removed module makes this fail until the page is updated."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = {m.group(1).rstrip("/") for m in _PATH.finditer(text) if "<" not in m.group(1)}
    assert len(named) > 30, named
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == [], f"docs/architecture.md names paths that do not exist: {missing}"


def test_the_component_order_in_the_architecture_doc_is_the_hubs() -> None:
    """The layers diagram lists hub/components.py's components in their set-up order."""
    from hub.components import COMPONENTS

    text = (ROOT / "docs" / "architecture.md").read_text()
    block = text.split("set up in this order:", 1)[1].split("(each owns", 1)[0]
    named = [name.strip() for name in block.replace("\n", " ").split(",")]
    assert named == [spec.key for spec in COMPONENTS]
