"""Smoke: the server starts, health is public, states need a token."""

from __future__ import annotations

from .helpers import Api


async def test_health_public_states_need_auth(api: Api) -> None:
    """Health answers without login; states answer only with a token."""
    status, data = await api.call("GET", "/api/health", role=None)
    assert status == 200 and data["status"] == "ok"
    status, data = await api.call("GET", "/api/states", role=None)
    assert status == 401 and data["error"] == "unauthorized"
    status, data = await api.call("GET", "/api/states", role="viewer")
    assert status == 200 and any(s["entity_id"] == "gate.main_entrance" for s in data)
