"""Missing prerequisites: a skip naming what to install, or a failure under CI=true."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

__all__ = [
    "FACES",
    "ON_CI",
    "missing",
    "require_faces",
    "require_gstreamer_rtsp",
    "require_netns",
]

ROOT = Path(__file__).resolve().parent.parent
#: The LFW subset the tests and the demo use (data/faces/README.md).
FACES = ROOT / "data" / "faces"
#: CI sets CI=true: there every prerequisite must be present, so a missing one fails the run.
ON_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(what: str, install: str) -> NoReturn:
    """Stop the test because `what` is absent: skip saying `install`, or fail under CI=true."""
    message = f"{what} is missing; {install}"
    if ON_CI:
        pytest.fail(f"CI=true and a prerequisite is missing: {message}", pytrace=False)
    pytest.skip(message)


def require_faces() -> Path:
    """Return data/faces (the LFW subset), or stop the test saying it is absent."""
    if not (FACES / "known").is_dir():
        missing(f"the test faces ({FACES}/known)", "they are part of the repository: "
                "restore data/faces from git")
    return FACES


@functools.cache
def _gstreamer_rtsp() -> bool:
    if shutil.which("/usr/bin/python3") is None:
        return False
    check = "import gi; gi.require_version('GstRtspServer', '1.0')"
    done = subprocess.run(["/usr/bin/python3", "-c", check], capture_output=True, check=False)
    return done.returncode == 0


def require_gstreamer_rtsp() -> None:
    """Stop the test unless the simulator's GStreamer RTSP server can run."""
    if not _gstreamer_rtsp():
        missing("GStreamer's RTSP server for /usr/bin/python3",
                "install gir1.2-gst-rtsp-server-1.0 python3-gi (./scripts/bootstrap does)")


def require_netns() -> None:
    """Stop the test unless it may create a network namespace (root and iproute2)."""
    if os.geteuid() != 0:
        missing("root (to create a network namespace)", "run the multicast tests as root")
    if shutil.which("ip") is None:
        missing("the ip command", "install iproute2 (./scripts/bootstrap does)")
