"""A real Mosquitto broker on 127.0.0.1 for one test, with a generated config."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from hub.testing.net import free_port, wait_listening
from tests.prerequisites import missing

MOSQUITTO = Path("/usr/sbin/mosquitto")
MOSQUITTO_PASSWD = Path("/usr/bin/mosquitto_passwd")


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
        if not await wait_listening(self.port, timeout=5, interval=0.025):
            raise RuntimeError("mosquitto did not start")

    def pause(self) -> None:
        """SIGSTOP the broker: connections stay open, nothing is answered."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT a paused broker: it answers what waited."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGCONT)

    async def kill(self) -> None:
        """SIGKILL the broker (paused or not): every connection is reset."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.kill()
            await self._proc.wait()
        self._proc = None

    async def stop(self) -> None:
        """Stop the broker (SIGTERM: it saves its persistence file)."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            await self._proc.wait()
        self._proc = None
