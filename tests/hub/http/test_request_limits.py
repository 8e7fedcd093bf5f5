"""What an unauthenticated or hostile client can make the server do: bounded, and a clear 4xx."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from hub import Hub
from hub.auth.refusals import RefusalAudit
from hub.bus import Event

from .helpers import SITE, Api, register_test_devices, start_api


async def test_deeply_nested_json_is_400(api: Api) -> None:
    """JSON nested 100,000 deep is a 400 naming the body, on login and on a service call."""
    nested = b"[" * 100_000 + b"]" * 100_000
    for path, role in (("/api/auth/login", None), ("/api/services/gate/open", "guard"),
                       ("/api/webhook/hook1", "guard")):
        status, body = await api.call("POST", path, role=role, data=nested,
                                      headers={"Content-Type": "application/json"})
        assert status == 400, f"{path}: {status} {body}"
        assert body["error"] == "invalid_json" and body["errors"][0]["field"] == "body"


POLICE = ("police:\n  webhooks:\n    - name: city_police\n      url: http://127.0.0.1:9/hook\n"
          "      secret: test-secret-0123456789abcdef\n")


async def test_refused_live_view_links_rate_limited(
        hub_factory: Any, register_plugin: Any, tmp_path: Path) -> None:
    """300 forged live-view links from one client: 10 audit rows and 403s, then 429s."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, SITE + POLICE)
    audits: list[Event] = []
    api.hub.bus.listen("audit_logged", audits.append)
    statuses = []
    async with aiohttp.ClientSession() as session:
        for n in range(300):
            async with session.get(f"{api.url}/api/police/live/forged{n}") as resp:
                statuses.append(resp.status)
        async with session.get(f"{api.url}/api/health") as resp:
            assert resp.status == 200  # other routes are not limited
    assert statuses[:10] == [403] * 10 and set(statuses[10:]) == {429}
    refused = [e for e in audits if e.data["action"] == "police.live_view_refused"]
    assert len(refused) == 10


def test_refusal_summary_at_window_end() -> None:
    """Past the budget, one `.suppressed` row per address says how many were refused."""
    hub = Hub()  # built outside the loop: it resolves the working folder
    asyncio.run(_refuse_past_budget(hub))


async def _refuse_past_budget(hub: Hub) -> None:
    rows: list[dict[str, Any]] = []
    hub.bus.listen("audit_logged", lambda e: rows.append(e.data))
    now = [0.0]
    refusals = RefusalAudit(hub, per_key=3, window=60, clock=lambda: now[0])
    allowed = [refusals.refused("police.live_view_refused", "10.0.0.7", {"what": "page"})
               for _ in range(50)]
    assert allowed == [True] * 3 + [False] * 47 and len(rows) == 3
    now[0] = 61.0  # the window ends: the summary is written, the budget starts again
    assert refusals.refused("police.live_view_refused", "10.0.0.7", {"what": "page"})
    assert [r["action"] for r in rows] == ["police.live_view_refused"] * 3 + [
        "police.live_view_refused.suppressed", "police.live_view_refused"]
    assert rows[3]["details"] == {"remote": "10.0.0.7", "count": 47, "window_seconds": 60}
