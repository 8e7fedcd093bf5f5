"""Fuzz the API from its own OpenAPI document (schemathesis): no 5xx, every 4xx explains itself.

The hub runs in a thread with its own event loop because schemathesis drives the API with
blocking `requests` calls. Examples per operation are bounded to keep the suite short.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hub.plugins import PluginRegistry
from hub.testing import make_hub

from .devices import TestDevicesPlugin
from .helpers import PASSWORD, SITE, http_of

pytestmark = pytest.mark.timeout(300)
EXAMPLES = 12


class HubThread:
    """A hub with the API, running in its own thread and loop."""

    def __init__(self, tmp_path: Path, registry: PluginRegistry) -> None:
        self.tmp_path = tmp_path
        self.registry = registry
        self.ready = threading.Event()
        self.url = ""
        self.token = ""
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="fuzz hub", daemon=True)

    def __enter__(self) -> HubThread:
        self._thread.start()
        assert self.ready.wait(60), "hub did not start"
        if self.error:
            raise self.error
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the test thread
            self.error = exc
            self.ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        harness = await make_hub(self.tmp_path, SITE.replace("{tmp}", str(self.tmp_path)),
                                 self.registry)
        try:
            http = http_of(harness.hub)
            await http.started.wait()
            await http.store.add_user("admin", "admin", PASSWORD)
            self.token, _ = await http.store.create_token("admin", "fuzz")
            self.url = http.url
            self.ready.set()
            await self._stop.wait()
        finally:
            await harness.hub.stop()


def _check(case: Any, response: requests.Response) -> None:
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("message"), str) and body["message"], where
        assert isinstance(body.get("errors"), list), where


def test_fuzz_api(tmp_path: Path, plugin_registry: PluginRegistry,
                  register_plugin: Any) -> None:
    """Every operation of /api/openapi.json answers generated and invalid input without a 5xx."""
    register_plugin(TestDevicesPlugin(), "testdev", ["camera", "alarm"])
    with HubThread(tmp_path, plugin_registry) as running:
        headers = {"Authorization": f"Bearer {running.token}"}
        doc = requests.get(running.url + "/api/openapi.json", headers=headers, timeout=10).json()
        schema = schemathesis.openapi.from_dict(doc)
        operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
        assert len(operations) > 20
        session = requests.Session()
        modes = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
        strategy = st.one_of(*(op.as_strategy(mode) for op in operations for mode in modes))

        @settings(max_examples=EXAMPLES * len(operations), deadline=None, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def fuzz(case: Any) -> None:
            if case.operation.path == "/api/auth/logout":
                return  # would only end the fuzzer's own (token) call; covered elsewhere
            response = case.call(base_url=running.url, session=session, headers=headers,
                                 timeout=15)
            _check(case, response)

        fuzz()
