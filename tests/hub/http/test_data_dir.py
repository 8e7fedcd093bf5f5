"""The data folder (database, snapshots, keys) is private: 0700 folders, 0600 files."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import SITE, register_test_devices, start_api

RECORDED = SITE.replace("recorder:\n  enabled: false\n", "recorder:\n  commit_interval: 0.05\n")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most machines run with (022): files would be world-readable by default."""
    old = os.umask(0o022)
    yield
    os.umask(old)


async def test_data_folder_and_files_private(hub_factory: Any, tmp_path: Path,
                                             register_plugin: Any, usual_umask: None) -> None:
    """The database, its WAL, snapshots and the snapshot folder are readable by the hub only."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, RECORDED)
    result = await api.hub.services.call("camera", "snapshot",
                                         {"entity_id": "camera.gate_camera"})
    await api.hub.components["recorder"].flush()
    data = tmp_path / "var"
    assert _mode(data) == 0o700
    assert _mode(data / "snapshots") == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert data / "campus-hub.db" in files
    assert any(p.name.startswith(result[0]["snapshot_id"]) for p in files), files
    wider = {str(p.relative_to(data)): oct(_mode(p)) for p in files if _mode(p) != 0o600}
    assert not wider, f"files readable by others: {wider}"


async def test_wide_existing_folder_warned(hub_factory: Any, tmp_path: Path,
                                           register_plugin: Any,
                                           caplog: pytest.LogCaptureFixture) -> None:
    """A data folder others can read is named in a warning at start, with the fix."""
    register_test_devices(register_plugin)
    (tmp_path / "var").mkdir(mode=0o755)
    os.chmod(tmp_path / "var", 0o755)
    with caplog.at_level(logging.WARNING):
        await start_api(hub_factory, tmp_path, RECORDED)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
                and str(tmp_path / "var") in r.getMessage()]
    assert warnings and "755" in warnings[0] and "chmod -R go-rwx" in warnings[0]
