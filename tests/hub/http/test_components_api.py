"""Routes onto other components: automations with traces, webhooks, discovery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from hub.testing import wait_for, wait_for_state

from .helpers import SITE, register_test_devices, start_api

AUTOMATION = SITE + """
automation:
  - id: webhook_opens_gate
    alias: Webhook opens the gate
    trigger:
      - platform: webhook
        webhook_id: nvr-line-crossing-42
    condition:
      - condition: template
        value_template: "{{ trigger.json.zone == 'gate' }}"
    action:
      - action: gate.open
        target: {entity_id: gate.main_entrance}
discovery:
  on_start: false
"""


async def test_webhook_runs_automation_and_traces_explain(hub_factory: Any, tmp_path: Path,
                                                          register_plugin: Any) -> None:
    """A webhook call runs the automation; its traces show why it ran or did not."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, AUTOMATION)
    async with aiohttp.ClientSession() as session:
        api.session = session
        status, items = await api.call("GET", "/api/automations")
        assert status == 200 and [a["id"] for a in items] == ["webhook_opens_gate"]
        status, _ = await api.call("POST", "/api/webhook/nvr-line-crossing-42", role="police",
                                   json={"zone": "fence"})
        assert status == 200
        status, body = await api.call("POST", "/api/webhook/unknown-hook-0001", role="police",
                                      json={})
        assert status == 200 and body == {"received": True}
        status, _ = await api.call("POST", "/api/webhook/nvr-line-crossing-42", role="viewer")
        assert status == 403
        status, _ = await api.call("POST", "/api/webhook/nvr-line-crossing-42", role="guard",
                                   json={"zone": "gate"})
        await wait_for_state(api.hub, "gate.main_entrance", "open")
        traces = await wait_for(lambda: _traces(api), timeout=5)
        status, listed = await api.call("GET", "/api/automations/webhook_opens_gate/traces")
        assert status == 200 and len(listed) == 2
        results = [t["conditions"][0]["result"] for t in listed]
        assert results == [True, False] and traces
        status, _ = await api.call("GET", "/api/automations/nope/traces")
        assert status == 404
        status, found = await api.call("GET", "/api/discovery", role="guard")
        assert status == 200 and found == []


def _traces(api: Any) -> Any:
    automation = api.hub.components["automation"]
    return len(automation.traces("webhook_opens_gate")) == 2


async def test_components_not_set_up_answer_404(hub_factory: Any, tmp_path: Path,
                                                register_plugin: Any) -> None:
    """Without discovery or recognition their routes say so with a 404."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path)
    async with aiohttp.ClientSession() as session:
        api.session = session
        for path in ("/api/discovery", "/api/people"):
            status, body = await api.call("GET", path)
            assert status == 404 and body["error"] == "not_set_up", path
