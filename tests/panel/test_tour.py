"""Every page of the panel on a 1280x720 guard-room monitor, in English and in Chinese."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from hub.bus import Context
from hub.incidents.model import IncidentStatus
from simulators.speaker import SpeakerSimulator
from tests.browser import VIEWPORT, screenshot
from tests.hub.http.helpers import SITE, Api, register_test_devices, start_api

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PAGES = ("incidents", "cameras", "gates", "visitors", "broadcast", "devices", "people",
         "automations", "admin")
AUTOMATION = """automation:
  - id: panic_opens_gate
    alias: Panic opens the gate
    trigger:
      - platform: incident
        category: panic
    action:
      - action: gate.open
        target: {entity_id: gate.main_entrance}
"""
# Texts of the panel itself (not names of devices, people or users) in the elements below.
UI_TEXT = """() => {
  const out = [];
  const sel = ["header.top nav a", "header.top .role", ".banner strong", ".banner button",
    "#page h2", "#page th", "#page button", "#page legend", "#page summary", "#page .status",
    "#page .prio", "#page .gate-state", "#page .state-text", "#page .empty", "#page .denied",
    "#page .timeline strong", "#page .metal", "#page dt", "#page .presets", "#page .ago",
    "#page select[name=role] option", "#page select[name=list] option",
    "#page select[name=metal_result] option", "#page [data-role-of] option"].join(", ");
  for (const el of document.querySelectorAll(sel)) out.push(el.innerText.trim());
  for (const el of document.querySelectorAll("#page label")) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3);
    const text = own.map((n) => n.textContent).join("").trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll("#page [placeholder]")) out.push(el.placeholder);
  return out.filter(Boolean);
}"""
LATIN_OK = {"English", "YAML", "API", "ID"}


def _untranslated(texts: list[str], lang: str) -> list[str]:
    """Panel texts left in English on the Chinese panel, or raw text keys in either."""
    bad = [t for t in texts if re.search(r"\b[a-z]+_[a-z_]+\b", t)]
    if lang == "zh":
        bad += [t for t in texts
                if any(w not in LATIN_OK for w in re.findall(r"[A-Za-z]{3,}", t))]
    return bad


async def _tour(browser: Browser, api: Api, lang: str) -> dict[str, list[str]]:
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(f"localStorage.setItem('campus-lang', '{lang}')")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(api.url + "/")
    await screenshot(page, f"tour_{lang}_login")
    await login(page, "admin")
    found: dict[str, list[str]] = {}
    for name in PAGES:
        await page.goto(f"{api.url}/#/{name}")
        await page.wait_for_selector(f"page-{name} .card")
        await page.wait_for_timeout(600)  # live data and snapshots arrive
        if name == "incidents":
            await page.click("li.incident")
            await page.wait_for_selector(".timeline")
        await screenshot(page, f"tour_{lang}_{name}")
        bad = _untranslated(await page.evaluate(UI_TEXT), lang)
        if bad:
            found[name] = bad
    await _guard_view(page, api, lang)
    await context.close()
    assert not errors, f"JavaScript errors in the panel: {errors}"
    return found


async def _guard_view(page: Page, api: Api, lang: str) -> None:
    await page.click("[data-action=logout]")
    await page.wait_for_selector("form.login")
    await login(page, "guard")
    await page.goto(f"{api.url}/#/gates")
    await page.wait_for_selector(".gate")
    await screenshot(page, f"tour_{lang}_guard_gates")


async def test_every_page_readable_in_english_and_chinese(
        browser: Browser, hub_factory: Any, tmp_path: Path, register_plugin: Any) -> None:
    """Each page renders at 1280x720 in both languages (screenshots tour_<lang>_<page>.png);
    in Chinese no panel text is left in English, and no raw text key shows in either."""
    sim = SpeakerSimulator()
    await sim.start()
    try:
        register_test_devices(register_plugin)
        site = SITE + (f"  - platform: http_speaker\n    name: Gate speaker\n    gate: main\n"
                       f"    url: {sim.url}\n    token: speaker-token\n    tts: device\n"
                       ) + AUTOMATION
        api = await start_api(hub_factory, tmp_path, site)
        hub = api.hub
        await hub.services.call("visitor", "check_in", {
            "name": "Li Wei", "reason": "Parents' meeting", "host": "Ms Zhang", "gate": "main",
            "metal_result": "clear", "open_gate": False})
        incident = await hub.incidents.raise_incident("tamper", source="alarm.panic_1",
                                                      message="Panic 1: cover opened")
        await hub.incidents.transition(incident.id, IncidentStatus.ACKNOWLEDGED,
                                       note="checked", context=Context("guard", "panel"))
        await hub.services.call("acme", "press", {"entity_id": "alarm.panic_1"})
        found = {lang: await _tour(browser, api, lang) for lang in ("en", "zh")}
    finally:
        await sim.stop()
    assert found == {"en": {}, "zh": {}}
