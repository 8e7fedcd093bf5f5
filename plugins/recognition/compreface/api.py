"""A small async client for CompreFace's recognition REST API (no hub imports).

Endpoints (CompreFace docs/Rest-API-description.md): add an example of a subject, recognize
faces, delete an example, list examples, delete a subject. Every call has a timeout.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "CompreFaceClient",
    "CompreFaceError",
    "FoundFace",
    "NoFaceFound",
]

#: CompreFace's error code for "No face is found in the given image".
CODE_NO_FACE = 28


class CompreFaceError(Exception):
    """The service answered with an error or not at all."""

    def __init__(self, message: str, status: int | None = None, code: int | None = None) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


class NoFaceFound(CompreFaceError):
    """The service found no face in the image."""


@dataclass(frozen=True, slots=True)
class FoundFace:
    """One face of a recognize answer: box, detection probability, subjects by similarity."""

    box: tuple[float, float, float, float]
    probability: float
    subjects: tuple[tuple[str, float], ...]


class CompreFaceClient:
    """Talks to one CompreFace recognition service (one API key)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, api_key: str,
                 timeout: float = 10.0, det_prob_threshold: float = 0.8) -> None:
        self._session = session
        self._base = base_url.rstrip("/") + "/api/v1"
        self._headers = {"x-api-key": api_key}
        self._timeout = timeout
        self._det = det_prob_threshold

    async def add_example(self, subject: str, image: bytes) -> str:
        """Add a face of `subject`; return the service's image id."""
        data = await self._request("POST", "/recognition/faces", image=image,
                                   params={"subject": subject,
                                           "det_prob_threshold": str(self._det)})
        return str(data["image_id"])

    async def recognize(self, image: bytes, prediction_count: int = 3) -> list[FoundFace]:
        """Detect faces and return each with its most similar subjects."""
        try:
            data = await self._request(
                "POST", "/recognition/recognize", image=image,
                params={"limit": "0", "prediction_count": str(prediction_count),
                        "det_prob_threshold": str(self._det)})
        except NoFaceFound:
            return []
        return [_found(item) for item in data.get("result", [])]

    async def delete_example(self, image_id: str) -> bool:
        """Delete one face by id; return False if the service did not know it."""
        try:
            await self._request("DELETE", f"/recognition/faces/{image_id}")
        except CompreFaceError as err:
            if err.status == 404:
                return False
            raise
        return True

    async def delete_subject(self, subject: str) -> None:
        """Delete a subject and all its faces."""
        await self._request("DELETE", f"/recognition/subjects/{subject}")

    async def list_examples(self, page_size: int = 100) -> list[tuple[str, str]]:
        """Return every (image id, subject) of the collection, page by page."""
        out: list[tuple[str, str]] = []
        page = 0
        while True:
            data = await self._request("GET", "/recognition/faces",
                                       params={"page": str(page), "size": str(page_size)})
            out.extend((str(f["image_id"]), str(f["subject"])) for f in data.get("faces", []))
            page += 1
            if page >= int(data.get("total_pages", 0)):
                return out

    async def _request(self, method: str, path: str, *, image: bytes | None = None,
                       params: dict[str, str] | None = None) -> dict[str, Any]:
        form = None
        if image is not None:
            form = aiohttp.FormData()
            form.add_field("file", image, filename="face.jpg", content_type="image/jpeg")
        try:
            async with asyncio.timeout(self._timeout), self._session.request(
                method, self._base + path, params=params, data=form, headers=self._headers
            ) as resp:
                body = await resp.json(content_type=None)
                status = resp.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            raise CompreFaceError(f"CompreFace {method} {path}: {err or type(err).__name__}") \
                from err
        if status >= 400:
            body = body if isinstance(body, dict) else {}
            message = str(body.get("message", f"HTTP {status}"))
            code = body.get("code")
            cls = NoFaceFound if code == CODE_NO_FACE else CompreFaceError
            raise cls(f"CompreFace {method} {path}: {message}", status,
                      code if isinstance(code, int) else None)
        if not isinstance(body, dict):
            raise CompreFaceError(f"CompreFace {method} {path}: answer is not a JSON object")
        return body


def _found(item: dict[str, Any]) -> FoundFace:
    box = item.get("box", {})
    subjects = tuple((str(s["subject"]), float(s["similarity"]))
                     for s in item.get("subjects", []))
    return FoundFace(
        (float(box["x_min"]), float(box["y_min"]), float(box["x_max"]), float(box["y_max"])),
        float(box.get("probability", 1.0)), subjects)
