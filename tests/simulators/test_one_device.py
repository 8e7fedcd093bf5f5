"""`python -m simulators.modbus NAME` / `simulators.speaker NAME`: one device of the site alone."""

from __future__ import annotations

import subprocess
import sys

from simulators.cli import one_device_argv


def test_name_and_port_become_a_one_device_site() -> None:
    """The device is the only one, on the port asked for, with its own address book."""
    assert one_device_argv(["io_1", "--port", "5021", "--log-level", "debug"]) == [
        "--site-file", "var/sim/io_1.json", "run", "--only", "io_1", "--cameras", "0",
        "--base-port", "0", "--port", "io_1=5021", "--log-level", "debug"]
    assert one_device_argv(["speaker_1"])[-1] == "0"  # no port: any free one


def test_without_a_name_the_usage_is_printed() -> None:
    """No device name: exit status 1 and the module's usage line on stderr."""
    for module in ("simulators.modbus", "simulators.speaker"):
        done = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True,
                              check=False, timeout=60)
        assert done.returncode == 1
        assert f"python -m {module} " in done.stderr
