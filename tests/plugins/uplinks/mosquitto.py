"""A real Mosquitto broker on 127.0.0.1 for one test, with a generated config."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

from tests.prerequisites import missing

MOSQUITTO = Path("/usr/sbin/mosquitto")
MOSQUITTO_PASSWD = Path("/usr/bin/mosquitto_passwd")


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Mosquitto:
    """Starts and stops /usr/sbin/mosquitto; keeps its port and persistence across restarts."""

    def __init__(self, folder: Path, users: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.users = users or {}
        self.port = free_port()
        self._proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Write the config (first time) and start the broker; return once it accepts."""
        if not MOSQUITTO.exists():  # noqa: ASYNC240 (a stat, once per test)
            missing(f"the Mosquitto broker ({MOSQUITTO})",
                    "install the mosquitto package (./scripts/bootstrap does)")
        conf = self.folder / "mosquitto.conf"
        if not conf.exists():
            await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)
            lines = [f"listener {self.port} 127.0.0.1", "user root", "persistence true",
                     f"persistence_location {self.folder}/", "log_dest stderr",
                     "autosave_interval 1"]
            if self.users:
                passwd = self.folder / "passwd"
                await asyncio.to_thread(passwd.write_text, "")
                for name, password in self.users.items():
                    proc = await asyncio.create_subprocess_exec(
                        str(MOSQUITTO_PASSWD), "-b", str(passwd), name, password)
                    assert await proc.wait() == 0
                lines += ["allow_anonymous false", f"password_file {passwd}"]
            else:
                lines.append("allow_anonymous true")
            await asyncio.to_thread(conf.write_text, "\n".join(lines) + "\n")
        self._proc = await asyncio.create_subprocess_exec(
            str(MOSQUITTO), "-c", str(conf), stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        for _ in range(200):
            with contextlib.suppress(OSError):
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.025)
        raise RuntimeError("mosquitto did not start")

    async def stop(self) -> None:
        """Stop the broker (SIGTERM: it saves its persistence file)."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            await self._proc.wait()
        self._proc = None
