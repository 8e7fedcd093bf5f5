"""Fixtures for the face gallery tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.recognition.helpers import require_faces, require_models


@pytest.fixture
def models_dir() -> Path:
    """The default model files; skips when they have not been fetched."""
    return require_models()


@pytest.fixture
def faces() -> Path:
    """The shared LFW subset; skips where it is absent."""
    return require_faces()
