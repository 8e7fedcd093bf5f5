"""`campus-hub users ...`: add, list, passwd, disable, token, demo (registered in hub/cli.py)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..bus import Context
from ..hubkey import HTTP
from .passwords import password_problem
from .roles import ALL_ROLES
from .store import AuthStore, UserExists

__all__ = ["DEMO_USERS", "demo_users", "register"]

DEMO_USERS = (("admin", "admin"), ("guard", "guard"), ("police", "police"))


def register(sub: Any) -> None:
    """Add the `users` command and its subcommands."""
    users = sub.add_parser("users", help="manage panel users and API tokens")
    users.add_argument("--config", "-c", default="config/site.yaml")
    cmds = users.add_subparsers(metavar="ACTION", required=True)
    add = cmds.add_parser("add", help="create a user (asks for the password)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=sorted(ALL_ROLES))
    add.add_argument("--display-name", default="")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input")
    add.set_defaults(func=lambda a: _run(a, _add))
    lst = cmds.add_parser("list", help="list users")
    lst.set_defaults(func=lambda a: _run(a, _list))
    pw = cmds.add_parser("passwd", help="set a user's password")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(func=lambda a: _run(a, _passwd))
    dis = cmds.add_parser("disable", help="disable a user and end their sessions")
    dis.add_argument("name")
    dis.set_defaults(func=lambda a: _run(a, _disable))
    tok = cmds.add_parser("token", help="create a long-lived API token (printed once)")
    tok.add_argument("name", help="the user the token acts as")
    tok.add_argument("--label", default="cli", help="what the token is for")
    tok.set_defaults(func=lambda a: _run(a, _token))
    demo = cmds.add_parser("demo", help="create demo users with new random passwords; print them")
    demo.set_defaults(func=lambda a: _run(a, _demo))


async def _audit(store: AuthStore, action: str, target: str, **details: Any) -> None:
    # Committed before the command reports success (issue 10): user and role changes.
    await store.hub.audit_committed(action, target=target, details=details,
                                    context=Context("cli", "cli"))


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise SystemExit("passwords differ")
    if problem := password_problem(password):
        raise SystemExit(f"password {problem}")
    return password


async def _add(store: AuthStore, args: argparse.Namespace) -> int:
    try:
        await store.add_user(args.name, args.role, _password(args), args.display_name)
    except UserExists:
        print(f"user {args.name} exists already", file=sys.stderr)
        return 1
    await _audit(store, "users.add", args.name, role=args.role)
    print(f"created {args.name} ({args.role})")
    return 0


async def _list(store: AuthStore, _args: argparse.Namespace) -> int:
    for user in await store.list_users():
        print(f"{user.name:<24} {user.role:<8} {'disabled' if user.disabled else ''}")
    return 0


async def _passwd(store: AuthStore, args: argparse.Namespace) -> int:
    if await store.update_user(args.name, password=_password(args)) is None:
        print(f"no user {args.name}", file=sys.stderr)
        return 1
    await _audit(store, "users.passwd", args.name)
    print(f"password of {args.name} changed; their sessions ended")
    return 0


async def _disable(store: AuthStore, args: argparse.Namespace) -> int:
    if await store.update_user(args.name, disabled=True) is None:
        print(f"no user {args.name}", file=sys.stderr)
        return 1
    await _audit(store, "users.disable", args.name)
    print(f"{args.name} disabled")
    return 0


async def _token(store: AuthStore, args: argparse.Namespace) -> int:
    if await store.get_user(args.name) is None:
        print(f"no user {args.name}", file=sys.stderr)
        return 1
    token, info = await store.create_token(args.name, args.label)
    await _audit(store, "tokens.create", args.name, token_id=info.id, label=args.label)
    print(f"token {info.id} for {args.name} (shown once, keep it safe):\n{token}")
    return 0


async def demo_users(store: AuthStore) -> dict[str, str]:
    """Create or reset the demo users with new random passwords; return name -> password."""
    out: dict[str, str] = {}
    for name, role in DEMO_USERS:
        password = f"{name}-{secrets.token_hex(4)}"
        if await store.get_user(name) is None:
            await store.add_user(name, role, password, f"Demo {role}")
        else:
            await store.update_user(name, role=role, password=password, disabled=False)
        out[name] = password
        await _audit(store, "users.demo", name, role=role)
    return out


async def _demo(store: AuthStore, _args: argparse.Namespace) -> int:
    creds = await demo_users(store)
    print("Demo users (new passwords on every run):")
    for name, password in creds.items():
        print(f"  {name:<8} {password}")
    return 0


Action = Callable[[AuthStore, argparse.Namespace], Awaitable[int]]


def _run(args: argparse.Namespace, action: Action) -> int:
    return asyncio.run(_with_store(Path(args.config), args, action))


async def _with_store(path: Path, args: argparse.Namespace, action: Action) -> int:
    from ..components import COMPONENTS, resolve
    from ..exceptions import ConfigError
    from ..hub import Hub
    from ..plugins import PluginRegistry

    registry = PluginRegistry()
    registry.load_entry_points()
    try:
        config = await asyncio.to_thread(registry.load_config, path)
    except ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    hub = Hub(config, registry)
    try:
        for spec in COMPONENTS:  # the recorder migrates the database; http opens the store
            if spec.key in ("recorder", "http"):
                await resolve(spec.setup)(hub, config.sections.get(spec.key))
        return await action(hub.components[HTTP].store, args)
    finally:
        await hub.stop()
