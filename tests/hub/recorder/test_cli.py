"""`campus-hub db`: upgrade, status and purge on the database a config names."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from hub.cli import main


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text("hub:\n  data_dir: data\n")
    return path


def test_upgrade_status_and_purge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """upgrade creates the schema, status shows counts, purge keeps recent rows and audits."""
    config = str(_config(tmp_path))
    assert main(["db", "-c", config, "upgrade"]) == 0
    db_file = tmp_path / "data" / "campus-hub.db"
    with sqlite3.connect(db_file) as con:
        old, new = time.time() - 40 * 86400, time.time()
        con.execute("INSERT INTO states_meta (id, entity_id) VALUES (7, 'gate.north')")
        for at in (old, new):
            con.execute(
                "INSERT INTO states (metadata_id, state, attributes, last_changed, "
                "last_updated) VALUES (7, 'open', '{}', ?, ?)",
                (at, at),
            )
    assert main(["db", "-c", config, "status"]) == 0
    assert "states       2 rows" in capsys.readouterr().out
    assert main(["db", "-c", config, "purge", "--keep-days", "30"]) == 0
    assert "removed 0 events, 1 states and 0 finished outbox items" in capsys.readouterr().out
    with sqlite3.connect(db_file) as con:
        assert con.execute("SELECT count(*) FROM states").fetchone() == (1,)
        assert con.execute("SELECT user, action FROM audit_log").fetchall() == [
            ("cli", "recorder.purge")
        ]


def test_status_on_a_database_never_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """status on a database that misses a revision says what is pending and exits 1."""
    config = _config(tmp_path)
    (tmp_path / "data").mkdir()
    from alembic import command

    from hub.recorder.migrate import alembic_config

    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'campus-hub.db'}"
    command.upgrade(alembic_config(url), "recorder@recorder_0001")
    assert main(["db", "-c", str(config), "status"]) == 1
    out = capsys.readouterr().out
    assert "incidents    (no table yet)" in out
    assert "pending" in out and "recorder_0004" in out
    assert main(["db", "-c", str(config), "upgrade"]) == 0
    assert main(["db", "-c", str(config), "status"]) == 0
    assert "pending" not in capsys.readouterr().out
