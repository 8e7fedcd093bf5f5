"""People lists through the API (admin only); every change and face-image read is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.plugins.recognition.helpers import person_photos, require_faces, require_models

from .helpers import SITE, Api, register_test_devices, start_api

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def faces() -> Path:
    """The test faces (data/faces), once the face models are there."""
    require_models()
    return require_faces()


@pytest.fixture
async def faces_api(hub_factory: Any, tmp_path: Path, register_plugin: Any,
                    faces: Path) -> Any:
    """A hub with the API and face recognition."""
    register_test_devices(register_plugin)
    site = SITE + "recognition:\n  platform: onnx_face\n  options: {workers: 1}\n"
    running = await start_api(hub_factory, tmp_path, site)
    async with aiohttp.ClientSession() as session:
        running.session = session
        yield running, faces


async def test_watchlist_person_with_photo(faces_api: Any) -> None:
    """An admin adds a watch-list person, enrols a photo, views it, removes the person."""
    api, faces = faces_api
    assert isinstance(api, Api) and api.session is not None
    status, person = await api.call("POST", "/api/people", json={
        "name": "Suspect A", "list": "watch", "group": "wanted"})
    assert status == 200, person
    photo = person_photos(faces, sorted(p.name for p in (faces / "known").iterdir())[0])[0]
    headers = {"Authorization": f"Bearer {api.tokens['admin']}", "Content-Type": "image/jpeg"}
    url = f"{api.url}/api/people/{person['person_id']}/photos"
    async with api.session.post(url, data=photo.read_bytes(), headers=headers) as resp:
        enrolled = await resp.json()
        assert resp.status == 200 and enrolled["enrolled"], enrolled
    async with api.session.post(url, data=b"not a jpeg", headers=headers) as resp:
        assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "body"
    status, people = await api.call("GET", "/api/people?list=watch")
    assert [p["name"] for p in people] == ["Suspect A"]
    async with api.session.get(f"{url}/{enrolled['photo_id']}", headers=headers) as resp:
        assert resp.status == 200 and (await resp.read())[:2] == b"\xff\xd8"
    status, _ = await api.call("GET", "/api/people", role="guard")
    assert status == 403
    status, _ = await api.call("DELETE", f"/api/people/{person['person_id']}")
    assert status == 200
    status, audit = await api.call("GET", "/api/audit?limit=100")
    seen = {a["action"] for a in audit["items"]}
    assert {"faces.person_created", "faces.photo_enrolled", "faces.photo_read",
            "faces.person_removed"} <= seen
