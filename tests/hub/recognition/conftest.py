"""Fixtures for the face gallery tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.recognition.helpers import require_faces, require_models


@pytest.fixture
def models_dir() -> Path:
    """The default model files (a skip naming the fix, or a failure on CI, without them)."""
    return require_models()


@pytest.fixture
def faces() -> Path:
    """The LFW subset in data/faces."""
    return require_faces()
