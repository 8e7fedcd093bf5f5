"""Component entry point of the panic-button test schedule (`alarm_tests:`, optional)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ..exceptions import ServiceValidationError
from ..hubkey import HubKey
from ..services import ServiceCall
from .config import AlarmTestsConfig
from .schedule import AlarmTests

if TYPE_CHECKING:
    from aiohttp import web

    from ..hub import Hub

__all__ = ["ALARM_TESTS", "WindowData", "setup"]

ALARM_TESTS: HubKey[AlarmTests] = HubKey("alarm_tests")
_STAFF = ("admin", "guard")


class WindowData(BaseModel):
    """Data of alarm_tests.start_window / stop_window: which inputs (all when empty)."""

    model_config = ConfigDict(extra="forbid")

    entity_id: list[str] = []
    minutes: float | None = Field(default=None, gt=0, le=240)


async def setup(hub: Hub, config: AlarmTestsConfig | None) -> None:
    """Start the schedule; register its services and routes."""
    tests = AlarmTests(hub, config or AlarmTestsConfig())
    hub.components[ALARM_TESTS] = tests
    await tests.start()
    hub.on_stop(tests.stop)

    def check(data: WindowData) -> list[str]:
        known = {e.entity_id for e in tests.inputs()}
        unknown = [e for e in data.entity_id if e not in known]
        if unknown:
            raise ServiceValidationError(
                f"entity_id: {', '.join(unknown)} is not a scheduled alarm input "
                f"(scheduled: {', '.join(sorted(known)) or 'none'})", [("entity_id", "unknown")])
        return data.entity_id

    async def start_window(call: ServiceCall) -> dict[str, Any]:
        targets = check(call.data)
        by = call.context.user_id or "hub"
        until = await tests.start_window(targets, call.data.minutes, by)
        return {"until": until, "entity_id": targets or [e.entity_id for e in tests.inputs()]}

    async def stop_window(call: ServiceCall) -> dict[str, Any]:
        await tests.stop_window(check(call.data))
        return {"stopped": True}

    hub.services.register("alarm_tests", "start_window", start_window, WindowData,
                          "Declare a test window: presses on these inputs are tests.", _STAFF)
    hub.services.register("alarm_tests", "stop_window", stop_window, WindowData,
                          "End test windows.", _STAFF)
    _register_http(hub, tests)


def _register_http(hub: Hub, tests: AlarmTests) -> None:
    if "http" not in hub.config.sections:
        return
    from ..http import routing  # the panel's API, loaded only when it runs
    from ..jsonutil import dumps

    def reply(value: Any) -> web.Response:
        from aiohttp import web

        return web.Response(text=dumps(value), content_type="application/json",
                            headers={"Cache-Control": "no-store"})

    async def status(request: web.Request) -> web.StreamResponse:
        return reply(tests.status())

    async def report(request: web.Request) -> web.StreamResponse:
        month = request.query.get("month")
        if month is not None and not _month_ok(month):
            from aiohttp import web

            return web.Response(status=400, content_type="application/json", text=dumps(
                {"error": "invalid", "message": "month: expected YYYY-MM",
                 "errors": [{"field": "month", "message": "expected YYYY-MM"}]}))
        return reply(tests.report(month))

    routing.register_routes(hub, [
        routing.Route("GET", "/api/alarm_tests", status, roles=frozenset(_STAFF),
                      summary="Panic-button tests: last, due, state, open windows.",
                      tags=("alarm_tests",)),
        routing.Route("GET", "/api/alarm_tests/report", report, roles=frozenset(_STAFF),
                      summary="Tests per input in a month (?month=YYYY-MM).",
                      tags=("alarm_tests",))])


def _month_ok(month: str) -> bool:
    year, _, mon = month.partition("-")
    return len(year) == 4 and year.isdigit() and mon.isdigit() and 1 <= int(mon) <= 12
