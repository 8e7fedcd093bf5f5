"""Shared helpers for recognition tests: where the models and the test faces are."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.faces.fetch import MODEL_FILES, default_models_dir

FACES = Path(__file__).resolve().parents[3].parent / "shared" / "faces"


def require_models() -> Path:
    """Return the models folder, or skip the test saying how to get the models."""
    path = default_models_dir()
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    if missing:
        pytest.skip(
            f"face models missing in {path} ({', '.join(missing)}); "
            "run `campus-hub models fetch` (scripts/test does)"
        )
    return path


def require_faces() -> Path:
    """Return ../shared/faces, or skip the test saying it is absent."""
    if not (FACES / "known").is_dir():
        pytest.skip(f"test faces not found at {FACES} (see shared/faces/README.md)")
    return FACES


def person_photos(faces: Path, name: str) -> list[Path]:
    """Return the sorted photos of one known person."""
    return sorted((faces / "known" / name).glob("*.jpg"))
