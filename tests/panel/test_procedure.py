"""A guard works a panic from the banner to resolved through its checklist (issue 15),
on the English and on the Chinese panel."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from hub.testing import wait_for
from tests.browser import screenshot
from tests.hub.http.helpers import Api

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

TEXTS = {
    "en": {"escalation": "Unless acknowledged: siren", "left": "5 left",
           "first": "Look at the gate camera", "done": "all done", "button": "Done",
           "step": "Procedure step done"},
    "zh": {"escalation": "如未确认将: 鸣响警号", "left": "5 项待完成", "first": "查看校门摄像机",
           "done": "全部完成", "button": "完成", "step": "完成处置步骤"},
}


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_guard_works_a_panic_through_its_checklist(page: Page, panel_api: Api,
                                                         lang: str) -> None:
    """Banner -> acknowledge -> each checklist item ticked (who and when shown, what is left
    counted down) -> resolved; the hub's timeline has the ticks in order, by the guard."""
    text = TEXTS[lang]
    await login(page, "guard")
    if lang == "zh":
        await page.click("button[data-lang=zh]")
    await page.wait_for_function("document.querySelector('campus-app') && "
                                 "!document.querySelector('campus-app').classList.contains('offline')")
    await page.wait_for_timeout(300)  # the WebSocket subscriptions are in place
    status, _ = await panel_api.call("POST", "/api/services/acme/press",
                                     json={"entity_id": "alarm.panic_1"})
    assert status == 200
    await page.click("li.incident.p1")  # before acknowledging: what escalation will do
    await expect(page.locator("p.escalation .esc-step")).to_have_count(6)
    await expect(page.locator("p.escalation")).to_contain_text(text["escalation"])
    await screenshot(page, f"escalation_pending_{lang}")
    await page.click(".banner.p1 button[data-action=ack]")
    await expect(page.locator("p.escalation")).to_have_count(0)
    await expect(page.locator(".banner")).to_have_count(0)
    await page.click("li.incident.p1")
    checklist = page.locator("ol.procedure")
    await expect(page.locator("h3 .left")).to_have_text(text["left"])
    await expect(checklist.locator("li").first).to_contain_text(text["first"])
    await screenshot(page, f"procedure_start_{lang}")
    for left in range(4, -1, -1):
        await checklist.locator(f"li.todo button:has-text('{text['button']}')").first.click()
        await expect(checklist.locator("li.done")).to_have_count(5 - left)
        if left:
            await expect(page.locator("h3 .left")).to_contain_text(str(left))
    await expect(page.locator("h3 .left")).to_have_text(text["done"])
    await expect(checklist.locator("li.done .who").first).to_contain_text("guard")
    await expect(page.locator(".timeline")).to_contain_text(text["step"])
    await screenshot(page, f"procedure_done_{lang}")
    await page.click("button[data-action=resolve][data-class=real]")
    [incident] = panel_api.hub.incidents.all()
    await wait_for(lambda: incident.status == "resolved")
    ticks = [s for s in incident.timeline if s.action == "procedure_checked"]
    assert [s.data["item"] for s in ticks] == [
        "see_gate", "close_gate", "call_police", "call_head", "protect"]
    assert {s.actor for s in ticks} == {"guard"}
    actions = [s.action for s in incident.timeline]
    assert actions.index("acknowledged") < actions.index("procedure_checked")
    assert actions[-1] == "resolved"
