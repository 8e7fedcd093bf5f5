"""Shared helpers for recognition tests: where the models and the test faces are."""

from __future__ import annotations

from pathlib import Path

from hub.recognition.fetch import MODEL_FILES, default_models_dir
from tests.prerequisites import FACES, missing, require_faces

__all__ = ["FACES", "person_photos", "require_faces", "require_models"]


def require_models() -> Path:
    """Return the models folder, or stop the test saying how to get the models."""
    path = default_models_dir()
    absent = [name for name in MODEL_FILES if not (path / name).is_file()]
    if absent:
        missing(
            f"face models in {path} ({', '.join(absent)})",
            "run `campus-hub models fetch` (./scripts/bootstrap does; it needs npm)",
        )
    return path


def person_photos(faces: Path, name: str) -> list[Path]:
    """Return the sorted photos of one known person."""
    return sorted((faces / "known" / name).glob("*.jpg"))
