"""`./scripts/demo --city`: a 3-node RabbitMQ cluster, PostgreSQL, the platform (workers and
the console) and a handful of simulated schools, each a real hub with the MQTT uplink.

With --gate-config (scripts/demo passes config/demo.yaml) it also writes that hub's
configuration plus the city uplink to <var>/demo-gate.yaml, so the full simulated gate of the
ordinary demo joins the city as one more school. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import signal
from pathlib import Path
from typing import Any

import yaml

from hub.plugins import PluginRegistry
from hub.testing.net import wait_listening

from .cluster import RabbitCluster
from .config import PlatformConfig
from .console.auth import UserStore
from .db import CityDatabase, upgrade_blocking
from .localpg import LocalPostgres
from .run import run_platform
from .school import HubSchool, school_config

_LOGGER = logging.getLogger(__name__)

GATE_SCHOOL = "demo-school"  # hub.site of config/demo.yaml
DISTRICTS = ("north", "south")


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)


def platform_raw(cluster: RabbitCluster, database_url: str, schools: dict[str, str],
                 port: int) -> dict[str, Any]:
    """Return the demo's platform.yaml as a dict (schools: id -> broker password)."""
    return {
        "database_url": database_url,
        "broker": {"amqp_urls": cluster.amqp_urls(),
                   "management_urls": [f"http://{cluster.admin_user}:{cluster.admin_password}"
                                       f"@127.0.0.1:{n.http_port}" for n in cluster.nodes],
                   "mqtt_servers": cluster.mqtt_servers(), "partitions": 4},
        "workers": 2, "heartbeat_interval": 5.0,
        "console": {"host": "127.0.0.1", "port": port},
        "schools": [{"id": school, "name": _name(school),
                     "district": DISTRICTS[0] if school == GATE_SCHOOL else
                     DISTRICTS[i % len(DISTRICTS)], "password": password}
                    for i, (school, password) in enumerate(schools.items())],
    }


def _name(school: str) -> str:
    return "Demo School (the simulated gate)" if school == GATE_SCHOOL else \
        f"School {school.rsplit('-', 1)[-1]}"


def gate_yaml(gate_config: Path, cluster: RabbitCluster, password: str) -> str:
    """Return the simulated gate's hub configuration with the city uplink added."""
    raw = yaml.safe_load(gate_config.read_text())
    data_dir = raw.get("hub", {}).get("data_dir", ".")
    raw["hub"]["data_dir"] = str((gate_config.parent / data_dir).resolve())
    raw.setdefault("uplinks", []).append({
        "type": "mqtt", "name": "city", "urls": [f"mqtt://{s}" for s in cluster.mqtt_servers()],
        "username": raw["hub"]["site"], "password": password, "commands": True,
        "heartbeat_interval": 5, "reconnect_delay": 0.5, "reconnect_max_delay": 10,
    })
    return "# written by ./scripts/demo --city (city/demo.py); do not edit\n" + yaml.safe_dump(
        raw, allow_unicode=True, sort_keys=False)


async def run(args: argparse.Namespace, stop: asyncio.Event) -> None:
    """Start everything, print the console URL and a login, run until `stop`."""
    var: Path = args.var
    postgres, cluster = LocalPostgres(), RabbitCluster(args.nodes)
    hubs: list[HubSchool] = []
    try:
        print(f"city demo: starting PostgreSQL and a {args.nodes}-node RabbitMQ cluster "
              "(~30 s)", flush=True)
        await asyncio.to_thread(postgres.start)
        database_url = await asyncio.to_thread(postgres.create_database, "city")
        await asyncio.to_thread(cluster.start)
        ids = [f"school-{i + 1}" for i in range(args.schools)]
        if args.gate_config:
            ids.append(GATE_SCHOOL)
        passwords = {school: secrets.token_urlsafe(12) for school in ids}
        raw = platform_raw(cluster, database_url, passwords, args.port)
        config_path = var / "platform.yaml"
        _write_private(config_path, yaml.safe_dump(raw, sort_keys=False))
        config = PlatformConfig.model_validate(raw)
        await asyncio.to_thread(upgrade_blocking, database_url)
        db = CityDatabase(database_url)
        login = secrets.token_urlsafe(9)
        try:
            await UserStore(db, 1.0).add("admin", login, "city_admin", None)
            await UserStore(db, 1.0).add("north", login, "district_officer", "north")
        finally:
            await db.close()
        platform = asyncio.create_task(run_platform(config, config_path, stop))
        # the schools log in once they are provisioned, i.e. once the console is up
        await wait_listening(args.port, timeout=30, give_up=platform.done)
        if platform.done():
            platform.result()  # its error, if it failed
        registry = PluginRegistry()
        registry.load_entry_points()
        for school in ids:
            if school == GATE_SCHOOL:
                continue
            hub = HubSchool(school, school_config(
                school, passwords[school], cluster.mqtt_servers(), data_dir=var / school,
                heartbeat=5.0, gates=("main", "east")), registry)
            await hub.start()
            hubs.append(hub)
        if args.gate_config:
            _write_private(var / "demo-gate.yaml", gate_yaml(Path(args.gate_config), cluster,
                                                             passwords[GATE_SCHOOL]))
        print(f"\ncity demo: console on http://127.0.0.1:{args.port}/  log in as admin "
              f"(or north, a district officer), password {login}\n"
              f"city demo: {len(hubs)} simulated schools" +
              (f" + the simulated gate ({GATE_SCHOOL})" if args.gate_config else "") +
              f"; platform.yaml in {config_path}\n", flush=True)
        _write_private(var / "demo.json", json.dumps(
            {"console": f"http://127.0.0.1:{args.port}/", "login": "admin",
             "password": login, "schools": ids}))
        await platform
    finally:
        await asyncio.gather(*(h.stop() for h in hubs), return_exceptions=True)
        await asyncio.to_thread(cluster.stop)
        await asyncio.to_thread(postgres.stop)


def main() -> int:
    """`python -m city.demo [--schools N] [--gate-config config/demo.yaml]`."""
    parser = argparse.ArgumentParser(prog="python -m city.demo", description=__doc__)
    parser.add_argument("--var", default="var/city", help="where the demo writes its files")
    parser.add_argument("--schools", type=int, default=4, help="simulated schools (hubs)")
    parser.add_argument("--port", type=int, default=8200, help="the console's port")
    parser.add_argument("--gate-config", help="the simulated gate's hub config to join")
    parser.add_argument("--nodes", type=int, default=3, choices=range(1, 8),
                        metavar="N", help="RabbitMQ nodes (default 3)")
    args = parser.parse_args()
    args.var = Path(args.var).resolve()
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("hub.recorder").setLevel(logging.ERROR)  # recorder off on purpose

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run(args, stop)

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    os.umask(0o077)
    raise SystemExit(main())
