"""A throwaway PostgreSQL server on 127.0.0.1 for the city demo and bench (blocking API).

Debian's PostgreSQL binaries (`initdb`, `pg_ctl`) in a temporary folder, trust authentication
on 127.0.0.1 only, run as the `postgres` user when started by root. Not for production: a
city runs its own managed PostgreSQL and gives its URL in platform.yaml.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from hub.testing.net import free_port

__all__ = ["PG_BIN", "LocalPostgres"]

PG_BIN = Path(os.environ.get("CAMPUS_HUB_PG_BIN", "/usr/lib/postgresql/15/bin"))


class LocalPostgres:
    """Start with start(), give out database URLs with create_database(), stop with stop()."""

    def __init__(self, user: str = "campus") -> None:
        self.user = user
        self.port = 0
        self.root: Path | None = None
        self._owner: str | None = None

    def start(self) -> None:
        """initdb a fresh cluster in a temporary folder and start it."""
        if not (PG_BIN / "pg_ctl").exists():
            raise RuntimeError(f"PostgreSQL not found in {PG_BIN} (./scripts/bootstrap "
                               "installs the postgresql package)")
        self.root = Path(tempfile.mkdtemp(prefix="campus-city-pg-"))
        data, sockets = self.root / "data", self.root / "sock"
        if os.geteuid() == 0:
            self._owner = "postgres"
            info = pwd.getpwnam("postgres")
            os.chown(self.root, info.pw_uid, info.pw_gid)
        for folder in (data, sockets):
            folder.mkdir()
            if self._owner:
                shutil.chown(folder, self._owner, self._owner)
        self._run([str(PG_BIN / "initdb"), "-D", str(data), "-U", self.user, "-A", "trust",
                   "-E", "UTF8", "--no-sync"])
        self.port = free_port()
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o",
                   f"-h 127.0.0.1 -p {self.port} -k {sockets}", "-l",
                   str(self.root / "log"), "-w", "start"])

    def url(self, database: str) -> str:
        """Return the asyncpg URL of one database."""
        return (f"postgresql+asyncpg://{self.user}:unused@127.0.0.1:{self.port}/{database}"
                "?ssl=disable")

    def create_database(self, name: str) -> str:
        """Create a database (psql) and return its URL."""
        self._run([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p",
                   str(self.port), "-U", self.user, "-d", "postgres", "-c",
                   f'CREATE DATABASE "{name}"'])
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        if self.root is None:
            return
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast",
                   "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def _run(self, cmd: list[str], check: bool = True) -> None:
        full = ["runuser", "-u", self._owner, "--", *cmd] if self._owner else cmd
        done = subprocess.run(full, capture_output=True, text=True, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"{Path(cmd[0]).name} failed ({done.returncode}): "
                               f"{done.stderr or done.stdout}")
