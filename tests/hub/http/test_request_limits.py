"""What an unauthenticated or hostile client can make the server do: bounded, and a clear 4xx."""

from __future__ import annotations

from .helpers import Api


async def test_deeply_nested_json_is_400(api: Api) -> None:
    """JSON nested 100,000 deep is a 400 naming the body, on login and on a service call."""
    nested = b"[" * 100_000 + b"]" * 100_000
    for path, role in (("/api/auth/login", None), ("/api/services/gate/open", "guard"),
                       ("/api/webhook/hook1", "guard")):
        status, body = await api.call("POST", path, role=role, data=nested,
                                      headers={"Content-Type": "application/json"})
        assert status == 400, f"{path}: {status} {body}"
        assert body["error"] == "invalid_json" and body["errors"][0]["field"] == "body"
