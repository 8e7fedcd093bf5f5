"""A built wheel carries what the hub reads from its package folders at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("hub", "plugins", "simulators")

pytestmark = pytest.mark.timeout(120)


def _data_files() -> list[str]:
    """The panel's files and every component's Alembic migrations, as wheel paths."""
    folders = [ROOT / "hub" / "panel", *sorted((ROOT / "hub").glob("*/migrations"))]
    return sorted(
        path.relative_to(ROOT).as_posix()
        for folder in folders for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )  # fmt: skip


def _build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the project (the shared tree gets no build/ folder)."""
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    out = tmp_path / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", str(src), "-w", str(out)],
        capture_output=True, text=True, timeout=110, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, f"pip wheel failed:\n{proc.stderr[-3000:]}"
    [wheel] = out.glob("campus_hub-*.whl")
    return wheel


def test_wheel_has_panel_files_and_migrations(tmp_path: Path) -> None:
    """The wheel holds every panel file (HTML, CSS, JS modules, icon) and every component's
    Alembic migrations (env.py, script template, versions), so an installed hub can serve
    the panel and create its tables."""
    expected = _data_files()
    assert "hub/panel/pages/people.js" in expected
    assert "hub/recorder/migrations/script.py.mako" in expected
    assert {p.split("/")[1] for p in expected if "/migrations/versions/" in p} >= {
        "recorder", "auth", "visitors"}
    with zipfile.ZipFile(_build_wheel(tmp_path)) as wheel:
        names = set(wheel.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "[campus_hub.plugins]" in wheel.read(entry_points).decode()
    missing = [path for path in expected if path not in names]
    assert not missing, f"not in the wheel: {missing}"
