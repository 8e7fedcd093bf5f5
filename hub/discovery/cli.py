"""`campus-hub discover`: find devices, say which plugin handles each, print YAML to paste."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..plugins import PluginRegistry
from .config import DiscoveryConfig
from .devices import (
    DiscoveredDevice,
    known_secrets_blocking,
    secret_names,
    secrets_snippet,
    unique_names,
    yaml_snippet,
)
from .scanner import DiscoveryService, collect_matchers

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the `discover` subcommand to the campus-hub parser."""
    parser = sub.add_parser("discover", help="find ONVIF and zeroconf devices, propose YAML")
    parser.add_argument("--config", "-c", type=Path,
                        help="use the discovery: section of this configuration file")  # fmt: skip
    parser.add_argument(
        "--target",
        "-t",
        action="append",
        metavar="HOST:PORT",
        help="unicast probe target (repeatable; default 127.0.0.1:3702)",
    )
    parser.add_argument("--interface", "-i", help="local IPv4 address to probe from")
    parser.add_argument("--multicast", action="store_true",
                        help="also probe 239.255.255.250:3702 (multicast)")  # fmt: skip
    parser.add_argument("--zeroconf", action="store_true", help="also browse mDNS (multicast)")
    parser.add_argument("--timeout", type=float, help="seconds to wait for answers")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also say why a reply was refused")  # fmt: skip
    parser.set_defaults(func=run)


def _settings(args: argparse.Namespace, registry: PluginRegistry) -> DiscoveryConfig:
    base: dict[str, Any] = {}
    if args.config is not None:
        config = registry.load_config(args.config)
        section = config.sections.get("discovery")
        if isinstance(section, DiscoveryConfig):
            base = section.model_dump()
    overrides = {"probe_targets": args.target, "interface": args.interface,
                 "timeout": args.timeout, "multicast": args.multicast or None,
                 "zeroconf": args.zeroconf or None}  # fmt: skip
    base.update({k: v for k, v in overrides.items() if v is not None})
    return DiscoveryConfig.model_validate(base)


def _describe(device: DiscoveredDevice) -> str:
    where = f"{device.host}:{device.port}" if device.port else device.host
    what = " ".join(p for p in (device.manufacturer, device.model) if p) or "-"
    plugins = ", ".join(device.platforms) or "no plugin recognises it"
    return f"  {device.name:<24} {device.via:<13} {where:<22} {what:<24} -> {plugins}"


def _print_refused(service: DiscoveryService) -> None:
    for refusal in service.refused:
        host, port = refusal.sender
        print(f"  refused a reply from {host}:{port}: {refusal.reason}")


def _print_paste(entries: list[dict[str, Any]], config: Path | None) -> None:
    """The devices block, then the secrets it needs that secrets.yaml does not hold yet."""
    print("\nPaste into the devices: section of your configuration:\n")
    print(yaml_snippet(entries), end="")
    needed = secret_names(entries)
    if not needed:
        return
    secrets_file = (config.parent if config else Path("config")) / "secrets.yaml"
    missing = [name for name in needed if name not in known_secrets_blocking(secrets_file)]
    if not missing:
        print(f"\nEvery secret it uses is already in {secrets_file}.")
        return
    print(f"\nPasswords stay out of the configuration: each `!secret NAME` above is read from "
          f"{secrets_file}.\nAdd these {len(missing)} line(s) to it, each with the device's "
          "real password:\n")  # fmt: skip
    print(secrets_snippet(missing), end="")


def run(args: argparse.Namespace) -> int:
    """Scan once and print what was found; exit 1 when nothing answered."""
    registry = PluginRegistry()
    registry.load_entry_points()
    try:
        settings = _settings(args, registry)
    except ValidationError as err:
        for error in err.errors():
            print(f"discover: {'.'.join(map(str, error['loc']))}: {error['msg']}")
        return 2
    service = DiscoveryService(settings, lambda: collect_matchers(registry))
    try:
        devices = unique_names(asyncio.run(service.scan()))
    except OSError as err:
        print(f"discover: cannot probe from {settings.interface}: {err}")
        return 2
    where = ", ".join(f"{h}:{p}" for h, p in settings.targets())
    if not devices:
        print(f"No devices answered ({where}; zeroconf {'on' if settings.zeroconf else 'off'}).")
    else:
        print(f"Found {len(devices)} device(s) probing {where}:")
        for device in devices:
            print(_describe(device))
    if service.refused and args.verbose:
        print(f"{len(service.refused)} reply(ies) could not be used:")
        _print_refused(service)
    elif service.refused:
        print(f"{len(service.refused)} reply(ies) could not be used (-v says why).")
    if not devices:
        return 1
    entries = [entry for device in devices for entry in service.proposals(device)[:1]]
    if entries:
        _print_paste(entries, args.config)
    return 0
