"""Every module of hub/, plugins/ and simulators/ imports on its own in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Modules that cannot be imported as ordinary modules, and why.
NOT_IMPORTABLE = {
    # Alembic runs these inside its migration context (they import `alembic.op` state).
    "hub.recorder.migrations.env",
    # Runs under Debian's /usr/bin/python3 with GStreamer's introspection bindings (gi).
    "simulators.onvif_camera.rtsp_gst",
}

# One child per module, forked from a parent that holds the third-party libraries but no
# project module: a cycle among project modules shows as an ImportError in that child.
# The parent learns which third-party modules to hold from a first child that imports every
# project module and lists what else got loaded (read from stdin), so no child pays for them.
# As many children run at once as there are cores.
_LIST_THIRD_PARTY = r"""
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
ours = ("hub", "plugins", "simulators", "tests", "__main__")
print("\n".join(n for n in sorted(sys.modules) if n.split(".")[0] not in ours))
"""
_CHILD = r"""
import importlib, os, sys, traceback
for lib in sys.stdin.read().split():
    try:
        importlib.import_module(lib)
    except BaseException:  # private or platform-only submodules: their package is enough
        pass
for leaked in [n for n in sys.modules if n.split(".")[0] in ("hub", "plugins", "simulators")]:
    raise SystemExit(f"a third-party module imported project module {leaked}")
failed = []
running = {}
names = list(sys.argv[1:])
while names or running:
    while names and len(running) < (os.cpu_count() or 1):
        name = names.pop(0)
        pid = os.fork()
        if pid == 0:
            try:
                importlib.import_module(name)
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        running[pid] = name
    pid, status = os.wait()
    name = running.pop(pid)
    if status != 0:
        failed.append(name)
print("FAILED:" + ",".join(sorted(failed)))
"""


def _modules() -> list[str]:
    names = []
    for top in ("hub", "plugins", "simulators"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if "versions" in parts or parts[-1] == "__main__":
                continue
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(parts))
    return [name for name in names if name not in NOT_IMPORTABLE]


@pytest.mark.timeout(600)
def test_every_module_imports_alone() -> None:
    """Importing any one module first works: no import cycle, no import-order dependency."""
    modules = _modules()
    assert len(modules) > 200, modules
    listed = subprocess.run(
        [sys.executable, "-c", _LIST_THIRD_PARTY, *modules], cwd=ROOT, capture_output=True,
        text=True, timeout=300, check=False,
    )
    assert listed.returncode == 0, listed.stderr[-4000:]
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *modules], cwd=ROOT, capture_output=True, text=True,
        input=listed.stdout, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    failed = done.stdout.strip().rsplit("FAILED:", 1)[-1]
    assert failed == "", f"these modules fail when imported first: {failed}\n{done.stderr[-6000:]}"
