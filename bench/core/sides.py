"""The two sides as subprocesses: Campus Hub (project venv) and Home Assistant (its own venv)."""

from __future__ import annotations

import compileall
import glob
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "HA_VERSION",
    "ROOT",
    "Side",
    "compile_our_sources",
    "ensure_ha_venv",
    "ha_side",
    "our_side",
]

ROOT = Path(__file__).resolve().parents[2]
HA_VERSION = "2024.3.3"
HA_VENV = ROOT / "bench" / ".ha-venv"
_JOB_TIMEOUT = 300.0


@dataclass(frozen=True)
class Side:
    """How to start one side's worker process."""

    name: str
    command: tuple[str, ...]

    def run(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Run jobs in one fresh process; return their results in order.

        Each result also gets `spawn_wall`, the wall-clock time the process was started,
        so a start-up job can be timed from spawn to ready.
        """
        spawn = time.time()
        proc = subprocess.run(
            self.command,
            input=json.dumps({"jobs": jobs}),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=_JOB_TIMEOUT,
            check=False,
        )
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0 or len(lines) != len(jobs):
            raise RuntimeError(
                f"{self.name} worker failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
            )
        return [{**line["result"], "spawn_wall": spawn} for line in lines]


def our_side() -> Side:
    """Return Campus Hub's side: this interpreter, `-m bench.core.worker`."""
    return Side("campus-hub", (sys.executable, "-m", "bench.core.worker"))


def compile_our_sources() -> None:
    """Write bytecode for hub/, plugins/ and bench/, as `pip install` does for HA's packages.

    HA's venv comes from pip, which compiles every module at install time; our sources are
    an editable checkout, and with PYTHONDONTWRITEBYTECODE set (as in some shells and CI)
    every fresh start-up process would compile them from source again. Without this the
    start-up rows compare our compiler time against HA's cached bytecode.
    """
    for folder in ("hub", "plugins", "bench"):
        if not compileall.compile_dir(ROOT / folder, quiet=1, workers=0):
            raise RuntimeError(f"compileall failed for {folder}/")


def ha_side() -> Side:
    """Return Home Assistant's side: bench/.ha-venv running bench/ha/ha_bench.py."""
    return Side(
        "home-assistant",
        (str(HA_VENV / "bin" / "python"), str(ROOT / "bench" / "ha" / "ha_bench.py")),
    )


def _installed_version() -> str | None:
    python = HA_VENV / "bin" / "python"
    if not python.exists():
        return None
    proc = subprocess.run(
        [str(python), "-c", "import homeassistant.const as c; print(c.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def _python311() -> str:
    candidates = sorted(glob.glob("/root/.pyenv/versions/3.11*/bin/python3.11"))
    for name in (*reversed(candidates), shutil.which("python3.11"), shutil.which("python3")):
        if not name:
            continue
        proc = subprocess.run(
            [name, "-c", "import sys; print(sys.version_info[:2] == (3, 11))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.stdout.strip() == "True":
            return name
    raise RuntimeError(
        "Home Assistant 2024.3.3 needs Python 3.11; none found "
        "(looked in /root/.pyenv/versions and PATH)"
    )


def ensure_ha_venv() -> str:
    """Create bench/.ha-venv with homeassistant==2024.3.3 unless it is there; return version."""
    version = _installed_version()
    if version == HA_VERSION:
        return version
    python = _python311()
    print(
        f"Creating {HA_VENV} with homeassistant=={HA_VERSION} ({python}); "
        "this takes a few minutes once",
        flush=True,
    )
    subprocess.run([python, "-m", "venv", "--clear", str(HA_VENV)], check=True)
    subprocess.run(
        [str(HA_VENV / "bin" / "pip"), "install", "--quiet", f"homeassistant=={HA_VERSION}"],
        check=True,
    )
    version = _installed_version()
    if version != HA_VERSION:
        raise RuntimeError(f"{HA_VENV}: expected homeassistant {HA_VERSION}, got {version}")
    return version
