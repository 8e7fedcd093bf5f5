"""`python -m simulators ...`: run the simulated site, or act on a running one.

``run`` starts the site and its HTTP control surface and writes the address book
(default var/sim.json, or $CAMPUS_SIM_SITE). Every other command reads that file to
find the control URL and calls it: ``press panic_1``, ``release panic_1``,
``walk --metal --zone 2``, ``cut io_1``, ``restore io_1``, ``fault io_1 mute``,
``barrier barrier_1 open``, ``status``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from .control import make_control_app
from .site import (
    DEFAULT_SITE_FILE,
    DEMO_BASE_PORT,
    Site,
    SiteOptions,
    write_address_book_blocking,
)

__all__ = ["main", "one_device_argv", "run_one", "run_site"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulators", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--site-file",
        "--state",
        dest="site_file",
        type=Path,
        default=None,
        help="address book JSON (default var/sim.json or $CAMPUS_SIM_SITE)",
    )
    parser.add_argument("--url", default=None, help="control URL (instead of the site file)")
    # The same options after the command too (`press panic_1 --site-file x.json`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--site-file", "--state", dest="site_file", type=Path, default=argparse.SUPPRESS
    )
    common.add_argument("--url", default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], **kwargs)

    run = add_parser("run", help="start the simulated school gate")
    run.add_argument(
        "--base-port",
        type=int,
        default=DEMO_BASE_PORT,
        help=f"first fixed port, as config/demo.yaml expects (default {DEMO_BASE_PORT}; 0: any)",
    )
    run.add_argument("--travel-time", type=float, default=2.0, help="barrier travel seconds")
    run.add_argument("--auto-close", type=float, default=5.0, help="barrier auto-close seconds")
    run.add_argument("--cameras", type=int, default=1, help="number of ONVIF cameras")
    run.add_argument("--only", action="append", default=None, help="run only this device")
    run.add_argument("--port", action="append", default=[], help="NAME=PORT for one device")
    run.add_argument("--faces", type=Path, default=None,
                     help="folder of face photos the gate camera shows (e.g. data/faces)")
    run.add_argument("--log-level", default="INFO")
    press = add_parser("press", help="press an input (panic_1, ...)")
    press.add_argument("input")
    press.add_argument("--hold", type=float, default=1.0, help="release after S seconds (0: keep)")
    add_parser("release", help="release an input").add_argument("input")
    wire = add_parser("wire", help="cut the wire of an input")
    wire.add_argument("input")
    wire.add_argument("--repair", action="store_true")
    walk = add_parser("walk", help="walk a person through the metal detector")
    walk.add_argument("--metal", action="store_true")
    walk.add_argument("--zone", type=int, default=None)
    walk.add_argument("--detector", default="metal_1")
    add_parser("cut", help="take a device off the network").add_argument("device")
    add_parser("restore", help="bring a device back").add_argument("device")
    fault = add_parser("fault", help="wire fault: none, mute, exception, busy")
    fault.add_argument("device")
    fault.add_argument("mode")
    barrier = add_parser("barrier", help="local barrier button or fault")
    barrier.add_argument("device")
    barrier.add_argument("action", help="open close stop hold_open release reset jam block clear")
    locker = add_parser("locker", help="at a locker: close, open, item, empty")
    locker.add_argument("device", help="locker bank, e.g. lockers_1")
    locker.add_argument("door", type=int)
    locker.add_argument("action", help="close open item empty")
    add_parser("status", help="print every device's state").add_argument(
        "device", nargs="?", default=None
    )
    add_parser("site", help="print the address book")
    return parser


def _site_file(args: argparse.Namespace) -> Path:
    if args.site_file is not None:
        return Path(args.site_file)
    return Path(os.environ.get("CAMPUS_SIM_SITE", str(DEFAULT_SITE_FILE)))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "run":
        logging.basicConfig(
            level=args.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
        )
        options = SiteOptions(
            base_port=args.base_port,
            travel_time=args.travel_time,
            auto_close=args.auto_close,
            cameras=args.cameras,
            only=args.only,
            ports=_ports(args.port),
            faces_dir=args.faces,
        )
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_site(options, _site_file(args)))
        return 0
    try:
        url = args.url or _control_url(_site_file(args))
        method, path, body = _request_for(args)
        answer = _call(url, method, path, body)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.command == "status" and args.device:
        answer = answer.get(args.device, {"error": f"unknown device {args.device!r}"})
    print(json.dumps(answer, indent=2))
    return 0 if not (isinstance(answer, dict) and "error" in answer) else 1


def one_device_argv(argv: Sequence[str]) -> list[str]:
    """`NAME [--port P] [more]` -> main()'s argv running that one device of the site alone.

    Its address book is var/sim/NAME.json, so several lone devices can run side by side.
    """
    name, *rest = argv
    args = ["run", "--only", name, "--cameras", "0", "--base-port", "0"]
    if "--port" in rest:
        index = rest.index("--port")
        args += ["--port", f"{name}={rest[index + 1]}"]
        del rest[index : index + 2]
    return ["--site-file", f"var/sim/{name}.json", *args, *rest]


def run_one(argv: Sequence[str], usage: str) -> int | str:
    """`python -m simulators.<kind> NAME ...`: the exit status, or `usage` without a name."""
    if not argv or argv[0].startswith("-"):
        return usage
    return main(one_device_argv(argv))


def _ports(items: list[str]) -> dict[str, int]:
    ports: dict[str, int] = {}
    for item in items:
        name, _, port = item.partition("=")
        if not port.isdigit():
            raise SystemExit(f"--port {item!r}: expected NAME=PORT, e.g. io_1=5021")
        ports[name] = int(port)
    return ports


def _request_for(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    """Return (method, path, JSON body) for a client command."""
    command = args.command
    if command == "press":
        return "POST", f"/api/press/{args.input}", {"hold": args.hold or None}
    if command in ("release", "cut", "restore"):
        return "POST", f"/api/{command}/{getattr(args, 'input', None) or args.device}", None
    if command == "wire":
        return "POST", f"/api/wire/{args.input}", {"cut": not args.repair}
    if command == "walk":
        return (
            "POST",
            "/api/walk",
            {"metal": args.metal, "zone": args.zone, "detector": args.detector},
        )
    if command == "fault":
        return "POST", f"/api/fault/{args.device}", {"mode": args.mode}
    if command == "barrier":
        return "POST", f"/api/barrier/{args.device}/{args.action}", None
    if command == "locker":
        return "POST", f"/api/locker/{args.device}/{args.door}/{args.action}", None
    if command == "status":
        return "GET", "/api/state", None
    return "GET", "/api/site", None


def _control_url(site_file: Path) -> str:
    try:
        book = json.loads(site_file.read_text())
    except FileNotFoundError:
        raise ValueError(f"{site_file}: no site running? start one with `run`") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{site_file}:{err.lineno}: invalid JSON: {err.msg}") from err
    url = book.get("control_url")
    if not isinstance(url, str):
        raise ValueError(f"{site_file}: control_url missing")
    return url


def _call(url: str, method: str, path: str, body: dict[str, Any] | None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        return json.loads(err.read() or b"{}") or {"error": str(err)}


async def run_site(options: SiteOptions, site_file: Path | None = None) -> None:
    """Run the site and its control surface until SIGINT/SIGTERM."""
    site = Site(options)
    await site.start()
    runner = web.AppRunner(make_control_app(site), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, options.host, options.port("control")).start()
    host, port = runner.addresses[0][:2]
    book = site.address_book(f"http://{host}:{port}")
    loop = asyncio.get_running_loop()
    if site_file is not None:
        await loop.run_in_executor(None, write_address_book_blocking, site_file, book)
    logging.getLogger(__name__).info("site control on http://%s:%s", host, port)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await site.stop()
        if site_file is not None:
            with contextlib.suppress(FileNotFoundError):
                await loop.run_in_executor(None, site_file.unlink)
