"""`campus-hub people enroll`: a folder per person, a report of refused photos and why."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from hub.cli import main

from ...plugins.recognition.helpers import person_photos


def _write(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image)


@pytest.fixture
def photos(tmp_path: Path, faces: Path) -> Path:
    """A PHOTOS_DIR: two people with good photos, plus one photo per refusal reason."""
    root = tmp_path / "photos"
    for name in ("Dick_Cheney", "Norah_Jones"):
        for src in person_photos(faces, name)[:2]:
            (root / name).mkdir(parents=True, exist_ok=True)
            shutil.copy(src, root / name / src.name)
    face = cv2.imread(str(person_photos(faces, "Tom_Hanks")[0]))
    other = cv2.imread(str(person_photos(faces, "Britney_Spears")[0]))
    assert face is not None and other is not None
    bad = root / "Tom_Hanks"
    _write(bad / "blank.jpg", np.full((150, 150, 3), 100, np.uint8))
    _write(bad / "group.jpg", np.hstack([face, other]))
    _write(bad / "tiny.jpg", cv2.resize(face, (60, 60)))
    _write(bad / "blurred.jpg", cv2.GaussianBlur(face, (0, 0), 2))
    (tmp_path / "site.yaml").write_text(
        "recognition: {platform: onnx_face, options: {workers: 1}}\n")
    return root


def test_enroll_reports_each_refused_photo_with_its_reason(photos, models_dir, capsys):
    """Good photos are enrolled; blank, group, tiny and blurred photos are named with why."""
    config = str(photos.parent / "site.yaml")
    rc = main(["people", "--config", config, "enroll", "--list", "allow", "--group", "staff",
               str(photos)])
    out = capsys.readouterr()
    assert rc == 0
    assert "3 people, 4 photos enrolled into the allow list (staff)" in out.out
    assert "4 refused" in out.out
    for name, reason in [("blank.jpg", "no face"), ("group.jpg", "two faces"),
                         ("tiny.jpg", "too small"), ("blurred.jpg", "too blurred")]:
        assert f"{name}: {reason}" in out.out
    assert "8/8" in out.err  # the progress bar reached the end


def test_enroll_twice_skips_photos_already_enrolled(photos, models_dir, capsys):
    """Running the same enrolment again adds nothing and says the photos were known."""
    config = str(photos.parent / "site.yaml")
    args = ["people", "--config", config, "enroll", "--list", "watch", "--group", "wanted",
            "--source", "police", "--expires", "2030-01-01", str(photos)]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 0
    assert "0 photos enrolled" in capsys.readouterr().out
    assert main(["people", "--config", config, "list", "--list", "watch"]) == 0
    listing = capsys.readouterr().out
    assert "Dick Cheney" in listing and "expires 2030-01-01" in listing


def test_enroll_a_missing_folder_fails_clearly(tmp_path, models_dir, capsys):
    """A wrong PHOTOS_DIR is an error naming the folder, not a traceback."""
    (tmp_path / "site.yaml").write_text(
        "recognition: {platform: onnx_face, options: {workers: 1}}\n")
    rc = main(["people", "--config", str(tmp_path / "site.yaml"), "enroll", "--list", "allow",
               "--group", "staff", str(tmp_path / "nope")])
    assert rc == 1
    assert "nope: not a folder" in capsys.readouterr().err


async def test_people_enrolled_by_the_cli_reach_a_running_hub(hub_factory, tmp_path, faces,
                                                             models_dir):
    """The CLI writes the shared database; the running hub picks the people up by itself."""
    import asyncio

    from hub.testing.harness import wait_for

    harness = await hub_factory("recognition: {platform: onnx_face, options: {workers: 1}, "
                                "refresh_interval: 0.2}\n")
    photos = tmp_path / "photos" / "Dick_Cheney"
    photos.mkdir(parents=True)
    for src in person_photos(faces, "Dick_Cheney")[:2]:
        await asyncio.to_thread(shutil.copy, src, photos / src.name)
    args = ["people", "--config", str(tmp_path / "site.yaml"), "enroll", "--list", "allow",
            "--group", "staff", str(tmp_path / "photos")]
    assert await asyncio.to_thread(main, args) == 0
    service = harness.hub.components["recognition"]

    def both_photos() -> bool:  # a refresh may fall between the CLI's two photos
        person = service.gallery.find("allow", "Dick Cheney")
        return person is not None and len(person.photos) == 2

    await wait_for(both_photos, timeout=10)
    frame = await asyncio.to_thread(person_photos(faces, "Dick_Cheney")[3].read_bytes)
    assert [d.kind for d in await service.process(frame, "camera.gate")] == ["allow"]


def test_demo_gallery_puts_people_on_both_lists(tmp_path, faces, models_dir, capsys):
    """`people demo` enrols 16 allow-list and 3 watch-list people from data/faces, once."""
    config = tmp_path / "site.yaml"
    config.write_text("recognition: {platform: onnx_face, options: {workers: 1}}\n")
    assert main(["people", "--config", str(config), "demo", "--faces", str(faces)]) == 0
    assert "demo gallery: 19 people" in capsys.readouterr().out
    assert main(["people", "--config", str(config), "demo", "--faces", str(faces)]) == 0
    assert "(0 photos added now)" in capsys.readouterr().out
    assert main(["people", "--config", str(config), "list", "--list", "watch"]) == 0
    watch = capsys.readouterr().out
    assert "wanted" in watch and "Charles Taylor" in watch and len(watch.splitlines()) == 3
