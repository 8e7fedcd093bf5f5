"""The `campus-hub` command: run, check-config, plugins, and the commands of components."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
from typing import Any

from .config.references import check_references
from .exceptions import ConfigError, HubError
from .plugins import PluginRegistry

__all__ = ["main"]

# Modules with `register(subparsers)` adding their own subcommands (owned by each component).
EXTRA_COMMANDS: list[str] = ["hub.auth.cli", "hub.discovery.cli", "hub.recognition.cli",
                             "hub.recorder.cli", "hub.uplinks.cli"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    if argv is None:  # the command itself, not a test calling main([...]) in its process
        # What the hub writes (database, photos, snapshots, keys, exports) is for it only.
        os.umask(0o077)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sim"]:  # everything after `sim` belongs to the simulators' own CLI
        return _sim(argparse.Namespace(sim_args=argv[1:]))
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Library chatter a school's IT does not need at INFO (migrations, SOAP internals).
    for noisy in ("alembic", "zeep", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    result: int = args.func(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campus-hub", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(metavar="COMMAND")
    run = sub.add_parser("run", help="run the hub")
    run.add_argument("--config", "-c", default=os.environ.get("CAMPUS_HUB_CONFIG",
                                                              "config/site.yaml"))
    run.set_defaults(func=_run)
    check = sub.add_parser("check-config", help="validate a configuration file")
    check.add_argument("path")
    check.set_defaults(func=_check)
    plugins = sub.add_parser("plugins", help="list plugins, platforms and versions")
    plugins.set_defaults(func=_plugins)
    sim = sub.add_parser("sim", help="drive the simulated school gate (press, walk, cut, ...)",
                         add_help=False)
    sim.add_argument("sim_args", nargs=argparse.REMAINDER)
    sim.set_defaults(func=_sim)
    for module in EXTRA_COMMANDS:
        try:
            importlib.import_module(module).register(sub)
        except ImportError as exc:  # a broken component must not take the CLI down
            print(f"warning: commands of {module} unavailable: {exc}", file=sys.stderr)
    _entry_point_commands(sub)
    return parser


def _entry_point_commands(sub: Any) -> None:
    """Add commands of installed packages (entry points `campus_hub.commands`: a module with
    `register(subparsers)`), e.g. `campus-hub platform` from the city platform."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="campus_hub.commands"):
        try:
            entry.load().register(sub)
        except Exception as exc:  # a broken package must not take the CLI down
            print(f"warning: commands of {entry.name} unavailable: {exc}", file=sys.stderr)


def _load_plugins() -> PluginRegistry:
    registry = PluginRegistry()
    registry.load_entry_points()
    return registry


def _check(args: argparse.Namespace) -> int:
    registry = _load_plugins()
    try:
        config = registry.load_config(args.path)
        problems = check_references(config, registry.platforms)
    except ConfigError as exc:
        problems = exc.problems
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) in {args.path}")
        return 1
    print(f"{args.path}: configuration is valid")
    return 0


def _plugins(args: argparse.Namespace) -> int:
    for line in print_plugins(_load_plugins()):
        print(line)
    return 0


def print_plugins(registry: PluginRegistry) -> list[str]:
    """Return `campus-hub plugins`' lines: each loaded plugin, then each failed one and why."""
    lines = []
    for plugin in registry.loaded.values():
        platforms = ", ".join(plugin.platforms) or "-"
        hooks = ", ".join(sorted(plugin.hooks))
        kinds = f"kinds: {', '.join(plugin.kinds)}; " if plugin.kinds else ""
        lines.append(f"{plugin.domain:<20} {plugin.manifest.version:<10} {kinds}platforms: "
                     f"{platforms}; hooks: {hooks}")
    for failure in registry.failed:
        lines.append(f"{failure.domain:<20} FAILED     {failure.error}")
    return lines


def _sim(args: argparse.Namespace) -> int:
    try:
        control = importlib.import_module("simulators.control")
    except ImportError:
        print("the simulators are not installed (run from the project folder)", file=sys.stderr)
        return 2
    result: int = control.main(args.sim_args)
    return result


def _run(args: argparse.Namespace) -> int:
    from .heap import settle
    from .hub import Hub

    registry = _load_plugins()
    try:
        config = registry.load_config(args.config)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1

    async def run() -> None:
        hub = Hub(config, registry)
        # The process is this hub's alone: keep the cyclic GC off what lives as long as it
        # (hub/heap.py). A library user (tests, an embedding app) decides that for itself.
        settle("created")  # imports and the site file
        await hub.run(on_started=lambda: settle("started"))  # entities, states, automations

    try:
        asyncio.run(run())
    except HubError as exc:  # the hub could not start (port in use, ...): say why, exit 1
        logging.getLogger("hub").error("Campus Hub did not start: %s", exc)
        return 1
    return 0
