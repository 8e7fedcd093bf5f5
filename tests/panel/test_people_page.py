"""The people page (admin): enrol a person from the shared test faces; guards are kept out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser import screenshot
from tests.hub.http.helpers import SITE, Api, register_test_devices, start_api

from .conftest import api_session, login, panel_page

pytestmark = [pytest.mark.browser, pytest.mark.faces, pytest.mark.models,
              pytest.mark.timeout(180)]

RECOGNITION = "recognition:\n  platform: onnx_face\n  options: {workers: 1}\n"


@pytest.fixture
def faces() -> Path:
    """The test faces (data/faces), once the face models are there."""
    from tests.plugins.recognition.helpers import require_faces, require_models

    require_models()
    return require_faces()


@pytest.fixture
async def people_api(hub_factory: Any, tmp_path: Path, register_plugin: Any,
                     faces: Path) -> AsyncIterator[Api]:
    """A hub with the panel, face recognition and a user per role."""
    register_test_devices(register_plugin)
    async with api_session(await start_api(hub_factory, tmp_path, SITE + RECOGNITION)) as api:
        yield api


@pytest.fixture
async def tab(browser: Browser, people_api: Api) -> AsyncIterator[Page]:
    """A browser page on the panel (1280x720) that fails the test on JavaScript errors."""
    async with panel_page(browser, people_api) as page:
        yield page


async def test_admin_enrols_a_person_and_sees_them_listed(tab: Page, people_api: Api,
                                                          faces: Path) -> None:
    """An admin adds an allow-list person, enrols a photo of them, and sees both listed."""
    name = sorted(p.name for p in (faces / "known").iterdir())[0]
    photo = sorted((faces / "known" / name).glob("*.jpg"))[0]
    await login(tab, "admin")
    await tab.click("nav a[data-page=people]")
    form = tab.locator("form[data-form=person]")
    await form.locator("input[name=name]").fill(name.replace("_", " "))
    await form.locator("select[name=list]").select_option("allow")
    await form.locator("input[name=group]").fill("staff")
    await form.locator("button[type=submit]").click()
    row = tab.locator("[data-list=allow] tr", has_text=name.replace("_", " "))
    await expect(row).to_have_count(1)
    await expect(row.locator("[data-photos]")).to_have_text("0")
    await row.locator("input[type=file]").set_input_files(str(photo))
    await expect(row.locator("[data-photos]")).to_have_text("1", timeout=30000)
    await expect(tab.locator("page-people .error")).to_have_text("")
    [person] = people_api.hub.components["recognition"].access.people("allow")
    assert person["name"] == name.replace("_", " ") and len(person["photos"]) == 1
    assert person["group"] == "staff"
    await screenshot(tab, "people")
    await tab.click("button[data-lang=zh]")
    await expect(tab.locator("[data-list=allow] h2")).to_have_text("白名单")
    await screenshot(tab, "people_zh")


@pytest.fixture
def blank_photo(tmp_path: Path) -> Path:
    """A grey JPEG with no face in it."""
    import cv2
    import numpy as np

    ok, data = cv2.imencode(".jpg", np.full((240, 240, 3), 128, np.uint8))
    assert ok
    path = tmp_path / "blank.jpg"
    path.write_bytes(bytes(data))
    return path


async def test_a_refused_photo_says_why(tab: Page, people_api: Api, blank_photo: Path) -> None:
    """A photo without a face is refused with the reason shown; nothing is enrolled."""
    status, person = await people_api.call("POST", "/api/people", json={
        "name": "Suspect A", "list": "watch", "group": "wanted"})
    assert status == 200, person
    blank = blank_photo
    await login(tab, "admin")
    await tab.click("nav a[data-page=people]")
    row = tab.locator("[data-list=watch] tr", has_text="Suspect A")
    await row.locator("input[type=file]").set_input_files(str(blank))
    await expect(tab.locator("page-people .error")).to_contain_text("refused", timeout=30000)
    await expect(row.locator("[data-photos]")).to_have_text("0")


async def test_guard_cannot_reach_people(tab: Page, people_api: Api) -> None:
    """The people lists are admin only: a guard has no link, the page and the API refuse."""
    await login(tab, "guard")
    assert await tab.locator("nav a[data-page=people]").count() == 0
    await tab.goto(people_api.url + "/#/people")
    await expect(tab.locator(".denied")).to_be_visible()
    assert await tab.locator("page-people").count() == 0
    status = await tab.evaluate("fetch('/api/people').then((r) => r.status)")
    assert status == 403
    await screenshot(tab, "guard_people_denied")

