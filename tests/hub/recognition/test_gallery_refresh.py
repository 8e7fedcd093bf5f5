"""The running hub's gallery follows people added or removed by another writer (the CLI)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hub.recognition.store import GalleryStore, PersonInfo, PhotoInfo


async def test_refresh_reads_again_only_when_people_or_photos_changed(
    hub_factory: Callable[..., Any], models_dir: Path
) -> None:
    """No change: nothing reloaded; an added and a removed person are both picked up."""
    harness = await hub_factory(
        "recognition: {platform: onnx_face, options: {workers: 1}, refresh_interval: 3600}\n"
    )
    gallery = harness.hub.components["recognition"].gallery
    other = GalleryStore(gallery.store.db, gallery.store.photos_dir)  # as the CLI writes
    assert await gallery.refresh() == (0, 0)

    person = PersonInfo(os.urandom(16).hex(), "Added Elsewhere", "allow", "staff")
    vector = np.random.default_rng(1).standard_normal(512).astype(np.float32)
    photo = PhotoInfo(os.urandom(16).hex(), person.id, gallery.recognizer.platform,
                      os.urandom(8).hex(), "added.jpg", vector / np.linalg.norm(vector))
    await other.add_person(person)
    await other.add_photo(photo, b"\xff\xd8 not shown")
    assert await gallery.refresh() == (1, 0)
    assert gallery.find("allow", "Added Elsewhere") is not None
    assert await gallery.refresh() == (0, 0)

    await other.delete_person(person.id)
    assert await gallery.refresh() == (0, 1)
    assert gallery.person(person.id) is None
