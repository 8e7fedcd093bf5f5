"""Alembic for every component: one script directory, one branch label per component.

Convention (see hub/recorder/README.md): a component that keeps tables declares them on
`hub.recorder.Base` in its own module and keeps its revisions in
`hub/<package>/migrations/versions/` on its own branch label; `hub/<package>/migrations/
__init__.py` names that module in `MODELS`. The recorder finds every such folder, so the hub
runs `upgrade heads` once and every branch reaches its head.

    python -m hub.recorder.migrate revision --branch faces -m "faces tables" --autogenerate
    python -m hub.recorder.migrate upgrade --url sqlite+aiosqlite:///var/campus-hub.db
    python -m hub.recorder.migrate heads
"""

from __future__ import annotations

import argparse
import ast
import importlib
import logging
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "alembic_config",
    "import_models",
    "known_heads_blocking",
    "main",
    "models_modules",
    "upgrade_heads_blocking",
    "version_locations",
]

HUB_ROOT = Path(__file__).resolve().parent.parent
SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"


@cache
def version_locations() -> tuple[Path, ...]:
    """Return every `migrations/versions` folder under hub/, the recorder's first."""
    found = sorted(p for p in HUB_ROOT.glob("**/migrations/versions") if p.is_dir())
    own = SCRIPT_LOCATION / "versions"
    return (own, *(p for p in found if p != own))


@cache
def models_modules() -> tuple[str, ...]:
    """Return the modules declaring tables, read from each migrations/__init__.py `MODELS`."""
    modules = ["hub.recorder.models"]
    for versions in version_locations():
        init = versions.parent / "__init__.py"
        if versions.parent == SCRIPT_LOCATION or not init.is_file():
            continue
        for node in ast.parse(init.read_text()).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "MODELS"
            ):
                value = ast.literal_eval(node.value)
                modules.extend([value] if isinstance(value, str) else list(value))
    return tuple(dict.fromkeys(modules))


def import_models() -> None:
    """Import every table module so that `Base.metadata` holds all tables."""
    for module in models_modules():
        importlib.import_module(module)


@cache
def known_heads_blocking() -> frozenset[str] | None:
    """Return the head revision of every branch, read from the files without Alembic.

    None when a revision file is not in the plain form this reads (Alembic then decides).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for folder in version_locations():
        for path in folder.glob("*.py"):
            found = _revision_of(path)
            if found is None:
                return None
            revision, down = found
            revisions.add(revision)
            parents.update(down)
    return frozenset(revisions - parents)


def _revision_of(path: Path) -> tuple[str, tuple[str, ...]] | None:
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text()).body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (
                node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            )
        )
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and value is not None:
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                values[target.id] = ...
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str):
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, tuple(str(d) for d in down)
    return None


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration for `url` with every component's version folder."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("version_locations", " ".join(str(p) for p in version_locations()))
    cfg.set_main_option("path_separator", "space")
    # ConfigParser interpolation: a password with % in the URL must survive.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade_heads_blocking(url: str) -> None:
    """Migrate the database at `url` to the head of every branch (blocking)."""
    from alembic import command

    command.upgrade(alembic_config(url), "heads")


def _revision(args: argparse.Namespace) -> int:
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = alembic_config(args.url or "")
    script = ScriptDirectory.from_config(cfg)
    labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
    new_branch = args.branch not in labels
    if args.autogenerate:
        tmp = tempfile.mkdtemp(prefix="campus-hub-migrate-")
        url = args.url or f"sqlite+aiosqlite:///{tmp}/schema.db"
        cfg = alembic_config(url)
        command.upgrade(cfg, "heads")
    path = (
        Path(args.version_path)
        if args.version_path
        else (
            SCRIPT_LOCATION / "versions"
            if args.branch == "recorder"
            else HUB_ROOT / args.branch / "migrations" / "versions"
        )
    )
    if new_branch:
        path.mkdir(parents=True, exist_ok=True)
        print(f"new branch {args.branch} in {path}; add migrations/__init__.py with MODELS")
    command.revision(
        cfg,
        message=args.message,
        autogenerate=args.autogenerate,
        rev_id=args.rev_id,
        head="base" if new_branch else f"{args.branch}@head",
        branch_label=args.branch if new_branch else None,
        version_path=str(path) if new_branch else None,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: create revisions, upgrade a database, list heads."""
    parser = argparse.ArgumentParser(prog="python -m hub.recorder.migrate")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="new revision on a component's branch")
    rev.add_argument("--branch", required=True, help="branch label: recorder, auth, faces, ...")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--rev-id", help="revision id, e.g. faces_0002 (default: random)")
    rev.add_argument(
        "--autogenerate",
        action="store_true",
        help="diff the models against a scratch SQLite database at heads",
    )
    rev.add_argument("--version-path", help="folder of a new branch (default hub/<branch>/...)")
    rev.add_argument("--url", help="database to compare against (default: scratch SQLite)")
    up = sub.add_parser("upgrade", help="upgrade a database to every head")
    up.add_argument("--url", required=True)
    sub.add_parser("heads", help="list the head of every branch")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.cmd == "revision":
        return _revision(args)
    if args.cmd == "upgrade":
        upgrade_heads_blocking(args.url)
        return 0
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(""))
    for rev_ in script.get_revisions("heads"):
        if rev_ is not None:
            print(f"{rev_.revision} {sorted(rev_.branch_labels)} {rev_.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
