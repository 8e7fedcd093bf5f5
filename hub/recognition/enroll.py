"""Enrol a folder of people (one sub-folder per person) and report what was refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .gallery import Gallery
from .recognizer import FaceRejected

_LOGGER = logging.getLogger(__name__)

__all__ = ["EnrolReport", "enrol_folder", "scan_folder"]

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
Progress = Callable[[int, int, str], None]


@dataclass
class EnrolReport:
    """What an enrolment run did: people touched, photos enrolled, skipped, refused (why)."""

    people: int = 0
    enrolled: int = 0
    skipped: int = 0
    rejected: list[tuple[Path, str, str]] = field(default_factory=list)

    def reasons(self) -> dict[str, int]:
        """Return how many photos were refused for each reason."""
        counts: dict[str, int] = {}
        for _, reason, _ in self.rejected:
            counts[reason] = counts.get(reason, 0) + 1
        return counts


def scan_folder(root: Path) -> list[tuple[str, list[Path]]]:
    """Return (person name, photos) per sub-folder; 'Jane_Doe' becomes 'Jane Doe' (blocking)."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a folder")
    people = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if photos:
            people.append((folder.name.replace("_", " "), photos))
    return people


async def enrol_folder(gallery: Gallery, root: Path, list_name: str, group: str, *,
                       source: str = "", expires_at: dt.datetime | None = None,
                       progress: Progress | None = None) -> EnrolReport:
    """Enrol every photo under `root`; photos already enrolled (same bytes) are skipped."""
    people = await asyncio.to_thread(scan_folder, root)
    total = sum(len(photos) for _, photos in people)
    report, done = EnrolReport(), 0
    for name, photos in people:
        person = gallery.find(list_name, name) or await gallery.create_person(
            name, list_name, group, source, expires_at)
        report.people += 1
        known = {p.quality.get("sha256") for p in person.photos}
        for path in photos:
            data = await asyncio.to_thread(path.read_bytes)
            digest = hashlib.sha256(data).hexdigest()
            if digest in known:
                report.skipped += 1
            else:
                try:
                    await gallery.enroll(person.id, data, {"sha256": digest, "file": path.name})
                    report.enrolled += 1
                    known.add(digest)
                except FaceRejected as err:
                    detail = str(err).partition(": ")[2]
                    report.rejected.append((path, err.reason.value, detail))
            done += 1
            if progress is not None:
                progress(done, total, name)
    _LOGGER.info("Enrolled %d photos of %d people into the %s list (%d refused)",
                 report.enrolled, report.people, list_name, len(report.rejected))
    return report
