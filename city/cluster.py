"""A local RabbitMQ cluster on 127.0.0.1 (N nodes, own ports and node names) for tests and demos.

This only starts Debian's rabbitmq-server N times with classic peer discovery; clustering,
quorum queues and the MQTT plugin are RabbitMQ's own. A city runs its broker cluster as its
operators do (docs/city.md); nothing in the platform depends on this module.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BrokerNode", "RabbitCluster", "rabbitmq_available"]

RABBIT_BIN = Path(os.environ.get("CAMPUS_HUB_RABBIT_BIN", "/usr/lib/rabbitmq/bin"))
PLUGINS = "rabbitmq_mqtt,rabbitmq_management"
_RUNNING: set[int] = set()  # process groups of nodes this process started


@atexit.register
def _kill_leftovers() -> None:
    """Kill every node this process started and did not stop (a test run cut short)."""
    for pgid in list(_RUNNING):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        _RUNNING.discard(pgid)

_ACCEPTED = 0  # MQTT 3.1.1 CONNACK return code
_DISCONNECT = bytes([0xE0, 0x00])


def _mqtt_string(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(2, "big") + data


def _connect_packet(client_id: str, username: str, password: str) -> bytes:
    """An MQTT 3.1.1 CONNECT (clean session, user name and password, keep-alive 10 s)."""
    body = (_mqtt_string("MQTT") + bytes([4, 0xC2]) + (10).to_bytes(2, "big")
            + _mqtt_string(client_id) + _mqtt_string(username) + _mqtt_string(password))
    size, length = len(body), bytearray()
    while True:  # the remaining length, as MQTT's variable-length integer
        size, digit = divmod(size, 128)
        length.append(digit | (0x80 if size else 0))
        if not size:
            return bytes([0x10, *length]) + body


def rabbitmq_available() -> bool:
    """Return whether Debian's rabbitmq-server is installed."""
    return (RABBIT_BIN / "rabbitmq-server").exists()


def _start_epmd() -> None:
    """Start Erlang's name service in a session of its own, unless it runs already.

    A node that finds none starts it in its own process group, and kill_node (killpg) of
    that node would then kill it too: the other nodes could no longer be found by a
    restarted node.
    """
    epmd = shutil.which("epmd") or str(next(Path("/usr/lib/erlang").glob("erts-*/bin/epmd"),
                                             "epmd"))
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        subprocess.run([epmd, "-daemon"], start_new_session=True, check=False, timeout=10,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _free_port() -> int:
    """Return a free port below Linux's ephemeral range (32768-60999): a node binds it ~10 s
    later, and on a busy machine an outgoing connection took an ephemeral one meanwhile."""
    for _ in range(200):
        port = secrets.randbelow(32768 - 20000) + 20000
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError("no free port found in 20000-32767")


@dataclass
class BrokerNode:
    """One node: its Erlang name and its ports on 127.0.0.1."""

    name: str
    amqp_port: int
    mqtt_port: int
    http_port: int
    dist_port: int
    base: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        """Return whether the node's process is alive."""
        return self.process is not None and self.process.poll() is None


class RabbitCluster:
    """N RabbitMQ nodes on 127.0.0.1 forming one cluster (blocking API, for fixtures)."""

    def __init__(self, size: int = 3, root: Path | None = None,
                 admin_user: str = "city-admin") -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="campus-city-rabbit-"))
        self.admin_user = admin_user
        self.admin_password = secrets.token_urlsafe(16)
        self.cookie = secrets.token_hex(16).upper()
        tag = secrets.token_hex(3)
        self.nodes = [
            BrokerNode(f"city{tag}{i}@localhost", _free_port(), _free_port(), _free_port(),
                       _free_port(), self.root / f"node{i}")
            for i in range(size)
        ]

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, timeout: float = 120.0) -> None:
        """Start the first node, then the others, and wait until all of them have joined the
        cluster and take MQTT logins.

        Started all at once, a node's MQTT client-id registry (RabbitMQ 3.10) sometimes asked
        a peer whose registry did not exist yet and waited out a 100 s timeout before taking
        logins (seen twice in a row in tests/city at 06:55 UTC on 2026-12-06); with the first
        node's registry formed before the others start, they join it at once.
        """
        _start_epmd()
        for node in self.nodes:
            self._write_files(node)
        deadline = time.monotonic() + timeout
        self.start_node(self.nodes[0], wait=True, timeout=timeout)
        for node in self.nodes[1:]:
            self.start_node(node, wait=False)
        self.wait_cluster(max(10.0, deadline - time.monotonic()))

    def start_node(self, node: BrokerNode, wait: bool = True, timeout: float = 90.0) -> None:
        """Start (or restart) one node."""
        log = open(node.base / "stdout.log", "ab")  # noqa: SIM115 - handed to the child
        node.process = subprocess.Popen(
            [str(RABBIT_BIN / "rabbitmq-server")], env=self._env(node), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        _RUNNING.add(node.process.pid)
        log.close()
        if wait:
            self.wait_node(node, timeout)

    def kill_node(self, node: BrokerNode) -> None:
        """Kill a node at once (SIGKILL to its whole process group), as a crash would."""
        if node.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(node.process.pid, signal.SIGKILL)
        node.process.wait(timeout=30)
        _RUNNING.discard(node.process.pid)
        node.process = None

    def stop(self, remove: bool = True) -> None:
        """Kill every node and remove the cluster's folder."""
        for node in self.nodes:
            self.kill_node(node)
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def stop_node_gracefully(self, node: BrokerNode, timeout: float = 60.0) -> None:
        """Stop one node the way an operator does (`rabbitmqctl stop`) and wait for it."""
        if node.process is None:
            return
        subprocess.run([str(RABBIT_BIN / "rabbitmqctl"), "-n", node.name, "stop"],
                       env=self._env(node), capture_output=True, timeout=timeout, check=False)
        try:
            node.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_node(node)
            return
        _RUNNING.discard(node.process.pid)
        node.process = None

    def halt(self, graceful: bool = True) -> None:
        """Stop the whole cluster, keeping its data: node by node with `rabbitmqctl stop`
        (the first node last, so it is the one that knows the latest state), or by killing
        every node at once as a power cut would."""
        for node in reversed(self.nodes):
            if graceful:
                self.stop_node_gracefully(node)
            else:
                self.kill_node(node)

    def resume(self, timeout: float = 180.0, every_node: bool = True) -> None:
        """Start every node of a halted cluster together; wait for all (or for one) to take
        MQTT logins.

        Measured on RabbitMQ 3.10 (Debian 12): the nodes answer AMQP ~10 s after the start,
        but MQTT logins mostly only ~110 s later, after a graceful halt as after a kill (the
        MQTT client-id Ra cluster: a restarting member asks its peers for the members with
        a 100 s timeout while no leader can exist yet); now and then a graceful restart
        takes MQTT within ~10 s. With `every_node` False this returns once one node takes
        MQTT logins, which is what schools fail over to.
        """
        for node in self.nodes:
            self.start_node(node, wait=False)
        if every_node:
            self.wait_cluster(timeout)
            return
        deadline = time.monotonic() + timeout
        while not any(self._mqtt_ready(n) for n in self.nodes):
            self._check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"no RabbitMQ node takes MQTT after {timeout:.0f} s")
            time.sleep(0.3)

    def restart(self, timeout: float = 180.0, every_node: bool = True,
                graceful: bool = False) -> None:
        """Halt the cluster (kill, or gracefully) and start it again with its data."""
        self.halt(graceful)
        self.resume(timeout, every_node)

    # -- waiting -----------------------------------------------------------------------
    def wait_cluster(self, timeout: float) -> None:
        """Wait until every node runs and sees all the others."""
        deadline = time.monotonic() + timeout
        want = {n.name for n in self.nodes}
        running: set[str] = set()
        mqtt: list[str] = []
        while True:
            try:
                nodes = self.api(self.nodes[0], "GET", "/api/nodes")
                running = {n["name"] for n in nodes if n.get("running")} if isinstance(
                    nodes, list) else set()
                mqtt = [n.name for n in self.nodes if self._mqtt_ready(n)]
                if want <= running and len(mqtt) == len(self.nodes):
                    return
            except (OSError, urllib.error.URLError, ValueError):
                pass
            self._check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"RabbitMQ cluster not ready after {timeout:.0f} s: "
                                   f"running {sorted(running)}, taking MQTT {mqtt} "
                                   f"(logs in {self.root})")
            time.sleep(0.5)

    def wait_node(self, node: BrokerNode, timeout: float) -> None:
        """Wait until one node answers HTTP and MQTT."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.api(node, "GET", "/api/overview")
                if self._mqtt_ready(node):
                    return
            except (OSError, urllib.error.URLError, ValueError):
                pass
            self._check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"RabbitMQ node {node.name} not ready after {timeout:.0f} s")
            time.sleep(0.3)

    def _check_alive(self) -> None:
        for node in self.nodes:
            if node.process is not None and node.process.poll() is not None:
                tail = (node.base / "stdout.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"RabbitMQ node {node.name} exited: {tail}")

    def _mqtt_ready(self, node: BrokerNode) -> bool:
        """True once the node's MQTT plugin accepts a real login (the admin user's, CONNACK 0).

        Neither an open port nor a refused made-up user is enough: RabbitMQ 3.10 refuses
        unknown users early but holds or refuses ("server unavailable") real logins until
        its client-id registry has formed, which after a node restart takes up to ~110 s.
        """
        probe = _connect_packet(f"city-ready-{node.name.partition('@')[0]}",
                                self.admin_user, self.admin_password)
        try:
            with socket.create_connection(("127.0.0.1", node.mqtt_port), timeout=2) as sock:
                sock.settimeout(2)
                sock.sendall(probe)
                connack = sock.recv(4)
                if len(connack) == 4 and connack[0] == 0x20 and connack[3] == _ACCEPTED:
                    with contextlib.suppress(OSError):
                        sock.sendall(_DISCONNECT)
                    return True
        except OSError:
            pass
        return False

    # -- the management API ------------------------------------------------------------
    def api(self, node: BrokerNode | None, method: str, path: str,
            body: object | None = None, timeout: float = 30.0) -> object:
        """Call the management HTTP API of a running node as the admin user."""
        node = node or next(n for n in self.nodes if n.running)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{node.http_port}{path}", data=data, method=method,
            headers={"content-type": "application/json",
                     "authorization": "Basic " + base64.b64encode(
                         f"{self.admin_user}:{self.admin_password}".encode()).decode()})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def amqp_url(self, node: BrokerNode | None = None) -> str:
        """Return the AMQP URL of a node for the admin user."""
        node = node or self.nodes[0]
        return (f"amqp://{self.admin_user}:{self.admin_password}@127.0.0.1:"
                f"{node.amqp_port}/")

    def amqp_urls(self) -> list[str]:
        """Return the AMQP URL of every node."""
        return [self.amqp_url(n) for n in self.nodes]

    def mqtt_servers(self) -> list[str]:
        """Return `host:port` of every node's MQTT listener."""
        return [f"127.0.0.1:{n.mqtt_port}" for n in self.nodes]

    # -- files -------------------------------------------------------------------------
    def _write_files(self, node: BrokerNode) -> None:
        (node.base / "home").mkdir(parents=True, exist_ok=True)
        cookie = node.base / "home" / ".erlang.cookie"
        cookie.write_text(self.cookie)
        cookie.chmod(0o400)
        peers = "\n".join(f"cluster_formation.classic_config.nodes.{i + 1} = {n.name}"
                          for i, n in enumerate(self.nodes))
        (node.base / "rabbitmq.conf").write_text(f"""\
listeners.tcp.default = 127.0.0.1:{node.amqp_port}
mqtt.listeners.tcp.default = 127.0.0.1:{node.mqtt_port}
management.tcp.ip = 127.0.0.1
management.tcp.port = {node.http_port}
mqtt.allow_anonymous = false
mqtt.vhost = /
mqtt.exchange = amq.topic
mqtt.durable_queue_type = quorum
default_user = {self.admin_user}
default_pass = {self.admin_password}
default_user_tags.administrator = true
loopback_users = none
cluster_formation.peer_discovery_backend = classic_config
{peers}
cluster_partition_handling = pause_minority
log.console = true
log.console.level = warning
log.file = false
""")

    def _env(self, node: BrokerNode) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RABBITMQ_")}
        env.update({
            "HOME": str(node.base / "home"),
            "RABBITMQ_NODENAME": node.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(node.amqp_port),
            "RABBITMQ_DIST_PORT": str(node.dist_port),
            "RABBITMQ_CONFIG_FILE": str(node.base / "rabbitmq.conf"),
            "RABBITMQ_MNESIA_BASE": str(node.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(node.base / "log"),
            "RABBITMQ_PID_FILE": str(node.base / "pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(node.base / "enabled_plugins"),
            "RABBITMQ_ENABLED_PLUGINS": PLUGINS,
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(node.base / "advanced.config"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        })
        return env
