"""The `wait_template` action: wait until a template renders true, or until `timeout`.

As in Home Assistant the template is checked at once, then again after every state change
(templates read states); `wait.completed` and `wait.remaining` are set for the actions after
it. A timeout ends the run unless `continue_on_timeout` (the default) is true.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from ..bus import Event
from ..states import EVENT_STATE_CHANGED
from .config_actions import WaitTemplateAction
from .duration import seconds_of
from .run import Body, Run, Stopped
from .template import Template

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["compile_wait_template"]


def compile_wait_template(hub: Hub, cfg: WaitTemplateAction) -> Body:
    """Return the body of a `wait_template:` action."""
    template, timeout_value, keep_going = cfg.wait_template, cfg.timeout, cfg.continue_on_timeout

    async def wait(run: Run) -> Any:
        timeout = (None if timeout_value is None
                   else seconds_of(timeout_value, run.variables, "timeout"))
        started = time.monotonic()
        completed = template.render_bool(run.variables)  # a TemplateError fails the step
        if not completed:
            completed = await _until_true(hub, template, run, timeout)
        remaining = None if timeout is None else max(0.0, timeout - (time.monotonic() - started))
        run.variables["wait"] = {"completed": completed, "remaining": remaining}
        if not completed and not keep_going:
            raise Stopped("timeout", "wait_template timed out")
        return {"completed": completed, "remaining": remaining}

    return wait


async def _until_true(hub: Hub, template: Template, run: Run, timeout: float | None) -> bool:
    """Re-render after each state change until true (True) or until `timeout` (False)."""
    future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def check(_event: Event) -> None:
        if future.done():
            return
        try:
            if template.render_bool(run.variables):
                future.set_result(True)
        except Exception as exc:  # handed to the waiting step, traced there
            future.set_exception(exc)

    remove = hub.bus.listen(EVENT_STATE_CHANGED, check)
    try:
        async with asyncio.timeout(timeout):
            return await future
    except TimeoutError:
        return False
    finally:
        remove()
