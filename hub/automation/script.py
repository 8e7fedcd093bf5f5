"""Action runtime: each action config becomes a step; a run walks its steps and traces them."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from .config_actions import (
    ChooseAction,
    DelayAction,
    EventAction,
    IfAction,
    ParallelAction,
    RepeatAction,
    SequenceAction,
    ServiceAction,
    StopAction,
    VariablesAction,
    WaitForTriggerAction,
    WaitTemplateAction,
)
from .duration import seconds_of
from .run import Body, Run, Step, Stopped
from .script_flow import (
    compile_if,
    compile_parallel,
    compile_repeat,
    compile_sequence,
    run_nested,
)
from .script_wait import compile_wait_template
from .template import has_template, render_complex

if TYPE_CHECKING:
    from ..hub import Hub
    from .conditions import ConditionCompiler
    from .triggers import TriggerIndex

__all__ = ["Run", "ScriptCompiler", "Step", "Stopped", "TriggerFailed"]


class TriggerFailed(Exception):
    """A trigger of wait_for_trigger matched but could not fire (its `for` template failed)."""


class ScriptCompiler:
    """Turns action configs into steps bound to the hub."""

    def __init__(self, hub: Hub, conditions: ConditionCompiler, triggers: TriggerIndex) -> None:
        self.hub = hub
        self.conditions = conditions
        self.triggers = triggers

    def compile(self, actions: list[Any], path: str) -> Step:
        """Return one step running the enabled actions in order."""
        steps = [self._traced(a, f"{path}/{i}") for i, a in enumerate(actions) if a.enabled]

        async def sequence(run: Run) -> None:
            for step in steps:
                await step(run)

        return sequence

    def _traced(self, cfg: Any, path: str) -> Step:
        kind, body = self._body(cfg, path)
        continue_on_error = getattr(cfg, "continue_on_error", False)

        async def step(run: Run) -> None:
            started = time.time()
            try:
                result = await body(run)
            except (Stopped, asyncio.CancelledError):
                run.trace.step(path, kind, started, result="stopped")
                raise
            except Exception as exc:
                run.trace.step(path, kind, started, error=f"{type(exc).__name__}: {exc}")
                if not continue_on_error:
                    raise
                return
            run.trace.step(path, kind, started, result=result)

        return step

    def _body(self, cfg: Any, path: str) -> tuple[str, Body]:
        if isinstance(cfg, ServiceAction):
            return "service", self._service(cfg)
        if isinstance(cfg, DelayAction):
            return "delay", self._delay(cfg)
        if isinstance(cfg, WaitForTriggerAction):
            return "wait_for_trigger", self._wait(cfg)
        if isinstance(cfg, WaitTemplateAction):
            return "wait_template", compile_wait_template(self.hub, cfg)
        if isinstance(cfg, ChooseAction):
            return "choose", self._choose(cfg, path)
        if isinstance(cfg, IfAction):
            return "if", compile_if(self, cfg, path)
        if isinstance(cfg, StopAction):
            return "stop", self._stop(cfg)
        if isinstance(cfg, EventAction):
            return "event", self._event(cfg)
        if isinstance(cfg, VariablesAction):
            return "variables", self._variables(cfg)
        if isinstance(cfg, RepeatAction):
            return "repeat", compile_repeat(self, cfg, path)
        if isinstance(cfg, ParallelAction):
            return "parallel", compile_parallel(self, cfg, path)
        if isinstance(cfg, SequenceAction):
            return "sequence", compile_sequence(self, cfg, path)
        return "condition", self._condition(cfg, path)

    def _service(self, cfg: ServiceAction) -> Body:
        domain, name = cfg.service_name
        data: dict[str, Any] = dict(cfg.data)
        targets = cfg.target.get("entity_id") if cfg.target else cfg.entity_id
        if targets is not None:
            data["entity_id"] = targets
        templated = has_template(data)
        call, response_variable = self.hub.services.call, cfg.response_variable

        async def service(run: Run) -> Any:
            rendered = render_complex(data, run.variables) if templated else dict(data)
            result = await call(domain, name, rendered, run.context)
            if response_variable:
                run.variables[response_variable] = result
            return {"service": f"{domain}.{name}", "data": rendered, "response": result}

        return service

    def _delay(self, cfg: DelayAction) -> Body:
        delay = cfg.delay

        async def wait(run: Run) -> Any:
            seconds = seconds_of(delay, run.variables, "delay")
            await asyncio.sleep(seconds)
            return {"delay": seconds}

        return wait

    def _wait(self, cfg: WaitForTriggerAction) -> Body:
        triggers = [t for t in cfg.wait_for_trigger if t.enabled]
        timeout_value, keep_going = cfg.timeout, cfg.continue_on_timeout

        async def wait(run: Run) -> Any:
            timeout = (None if timeout_value is None
                       else seconds_of(timeout_value, run.variables, "timeout"))
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

            def fired(variables: dict[str, Any]) -> None:
                if not future.done():
                    future.set_result(variables)

            def failed(variables: dict[str, Any], message: str) -> None:
                if not future.done():
                    future.set_exception(TriggerFailed(
                        f"wait_for_trigger[{variables.get('idx')}].{message}"))

            removers = [self.triggers.attach(t, i, fired, failed)
                        for i, t in enumerate(triggers)]
            started = time.monotonic()
            try:
                async with asyncio.timeout(timeout):
                    trigger: dict[str, Any] | None = await future
            except TimeoutError:
                trigger = None
            finally:
                for remove in removers:
                    remove()
            remaining = None if timeout is None else max(0.0, timeout - (
                time.monotonic() - started))
            run.variables["wait"] = {"trigger": trigger, "remaining": remaining}
            if trigger is None and not keep_going:
                raise Stopped("timeout", "wait_for_trigger timed out")
            return {"timed_out": trigger is None,
                    "trigger": None if trigger is None else trigger.get("description")}

        return wait

    def _choose(self, cfg: ChooseAction, path: str) -> Body:
        options = [(self.conditions.compile_all(o.conditions, f"{path}/choose/{i}/conditions"),
                    self.compile(o.sequence, f"{path}/choose/{i}/sequence"))
                   for i, o in enumerate(cfg.choose)]
        default = self.compile(cfg.default, f"{path}/default") if cfg.default else None

        # As in HA, the chosen sequence is a sub-script: a condition step that fails in it
        # ends that sequence only, and the actions after the choose still run.
        async def choose(run: Run) -> Any:
            for i, (check, sequence) in enumerate(options):
                if check(run.variables, run.trace):
                    return {"choice": i, "completed": await run_nested(sequence, run)}
            if default is not None:
                return {"choice": "default", "completed": await run_nested(default, run)}
            return {"choice": None}

        return choose

    def _condition(self, cfg: Any, path: str) -> Body:
        check = self.conditions.compile(cfg, path)

        async def condition(run: Run) -> Any:
            if not check(run.variables, run.trace):
                raise Stopped("condition_failed", f"condition at {path} did not hold")
            return {"result": True}

        return condition

    def _stop(self, cfg: StopAction) -> Body:
        async def stop(run: Run) -> Any:
            raise Stopped("error" if cfg.error else "stopped", cfg.stop)

        return stop

    def _event(self, cfg: EventAction) -> Body:
        event_type, data = cfg.event, cfg.event_data
        templated = has_template(data)
        fire = self.hub.bus.fire

        async def event(run: Run) -> Any:
            rendered = render_complex(data, run.variables) if templated else dict(data)
            fire(event_type, rendered, run.context)
            return {"event": event_type, "event_data": rendered}

        return event

    def _variables(self, cfg: VariablesAction) -> Body:
        values = cfg.variables

        async def variables(run: Run) -> Any:
            rendered = render_complex(values, run.variables)
            run.variables.update(rendered)
            return {"variables": rendered}

        return variables
