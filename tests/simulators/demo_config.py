"""config/demo.yaml for a test: pointed at the test's own simulators, data and API port."""

from __future__ import annotations

import re
from pathlib import Path

from simulators.site import DEMO_BASE_PORT, PORT_OFFSETS, Site

__all__ = ["DEMO_CONFIG", "demo_yaml"]

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "demo.yaml"


def demo_yaml(site: Site) -> str:
    """Return config/demo.yaml with this site's device ports (started on port 0), the data
    folder `var` beside it and the API on port 0."""
    text = DEMO_CONFIG.read_text()
    devices = site.address_book()["devices"]
    for name, offset in PORT_OFFSETS.items():
        if name in devices:
            text = re.sub(rf"\b{DEMO_BASE_PORT + offset}\b", str(devices[name]["port"]), text)
    return text.replace("data_dir: ../var", "data_dir: var").replace("port: 8123", "port: 0")
