"""`campus-hub platform ...`: run, worker, check-config, users add."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from hub.exceptions import ConfigError

from .config import PlatformConfig, load_platform_config

__all__ = ["main", "register"]

DEFAULT_CONFIG = os.environ.get("CAMPUS_CITY_CONFIG", "platform.yaml")


def register(subparsers: Any) -> None:
    """Add `platform` and its subcommands to the campus-hub command line."""
    platform = subparsers.add_parser("platform", help="the city's campus safety platform")
    sub = platform.add_subparsers(metavar="COMMAND")
    for name, func, text in (("run", _run, "run workers and the console"),
                             ("worker", _worker, "run one worker in this process"),
                             ("check-config", _check, "validate platform.yaml")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--config", "-c", default=DEFAULT_CONFIG)
        cmd.set_defaults(func=func)
    users = sub.add_parser("users", help="console users")
    users_sub = users.add_subparsers(metavar="ACTION")
    add = users_sub.add_parser("add", help="add or replace a user (asks for the password)")
    add.add_argument("--config", "-c", default=DEFAULT_CONFIG)
    add.add_argument("username")
    add.add_argument("--role", required=True,
                     choices=["city_admin", "dispatcher", "district_officer", "viewer"])
    add.add_argument("--district")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input")
    add.set_defaults(func=_users_add)


def _load(path: str) -> PlatformConfig | None:
    try:
        return load_platform_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return None
    except (OSError, ValueError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return None


def _check(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 1
    print(f"{args.config}: ok ({len(config.schools)} schools, {config.workers} workers)")
    return 0


def _serve(coro_factory: Any) -> int:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await coro_factory(stop)

    asyncio.run(main())
    return 0


def _run(args: argparse.Namespace) -> int:
    from .run import run_platform

    config = _load(args.config)
    if config is None:
        return 1
    _levels(config)
    return _serve(lambda stop: run_platform(config, Path(args.config), stop))


def _worker(args: argparse.Namespace) -> int:
    from .run import run_worker

    config = _load(args.config)
    if config is None:
        return 1
    _levels(config)
    return _serve(lambda stop: run_worker(config, stop))


def _levels(config: PlatformConfig) -> None:
    logging.getLogger().setLevel(config.log_level.upper())
    for noisy in ("aio_pika", "aiormq", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _users_add(args: argparse.Namespace) -> int:
    from .console.auth import UserStore
    from .db import CityDatabase, upgrade_blocking

    config = _load(args.config)
    if config is None:
        return 1
    password = (sys.stdin.readline().rstrip("\n") if args.password_stdin
                else getpass.getpass(f"password for {args.username}: "))
    upgrade_blocking(config.database_url)

    async def add() -> None:
        db = CityDatabase(config.database_url)
        try:
            await UserStore(db, config.console.session_hours).add(
                args.username, password, args.role, args.district)
        finally:
            await db.close()

    try:
        asyncio.run(add())
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"user {args.username} ({args.role}) saved")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m city ...` (the same commands as `campus-hub platform ...`)."""
    parser = argparse.ArgumentParser(prog="python -m city")
    register(parser.add_subparsers(metavar="COMMAND"))
    args = parser.parse_args(["platform", *(sys.argv[1:] if argv is None else argv)])
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    result: int = args.func(args)
    return result
