"""One automation: its triggers attached, its conditions checked inline, runs by mode."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..bus import Context
from .config import AutomationConfig
from .script import Run, Stopped
from .template import has_template, render_complex
from .trace import Trace

if TYPE_CHECKING:
    from .component import AutomationComponent

_LOGGER = logging.getLogger(__name__)

__all__ = ["Automation"]

_LEVELS = {"silent": 0, "debug": logging.DEBUG, "info": logging.INFO,
           "warning": logging.WARNING, "error": logging.ERROR}


class Automation:
    """An automation at run time. `on_trigger` is the hot path: no task unless it runs."""

    def __init__(self, component: AutomationComponent, automation_id: str,
                 config: AutomationConfig) -> None:
        self.component = component
        self.id = automation_id
        self.config = config
        self.name = config.alias or automation_id
        self.enabled = config.initial_state
        self.context = Context(user_id=f"automation:{automation_id}", origin="automation")
        self.traces: deque[Trace] = deque(maxlen=config.trace.stored_traces)
        self.last_triggered: float | None = None
        self.runs: dict[asyncio.Task[None], Trace] = {}
        #: triggers refused by the mode (already running, queue full, max runs), ever
        self.skipped = 0
        self._skipped_in_burst = 0  # refused since the automation was last idle
        self._queue: deque[tuple[Trace, dict[str, Any]]] = deque()
        self._removers: list[Callable[[], None]] = []
        self._variables = config.variables
        self._variables_templated = has_template(config.variables)
        self._check = component.conditions.compile_all(config.condition, "condition")
        self._script = component.scripts.compile(config.action, "action")
        self._log_level = _LEVELS[config.max_exceeded]

    # ------------------------------------------------------------------ lifecycle

    def attach(self) -> None:
        """Start listening on every enabled trigger."""
        index = self.component.index
        for idx, trigger in enumerate(self.config.trigger):
            if trigger.enabled:
                self._removers.append(index.attach(trigger, idx, self.on_trigger,
                                                   self.on_trigger_error))

    def detach(self) -> None:
        """Stop listening; running runs go on (see `cancel_runs`)."""
        for remove in self._removers:
            remove()
        self._removers.clear()

    def cancel_runs(self) -> None:
        """Cancel running and queued runs."""
        self._queue.clear()
        for task in list(self.runs):
            task.cancel()

    # ------------------------------------------------------------------ triggering

    def on_trigger(self, trigger: dict[str, Any]) -> None:
        """A trigger fired: check conditions now, then run according to the mode."""
        if self.enabled:
            self.run(trigger)

    def on_trigger_error(self, trigger: dict[str, Any], message: str) -> None:
        """A trigger matched but could not fire: keep a trace saying why (no run)."""
        if not self.enabled:
            return
        where = f"trigger[{trigger.get('idx')}]."
        _LOGGER.warning("Automation %s: %s%s", self.name, where, message)
        trace = Trace(self.id, trigger)
        self.traces.append(trace)
        trace.finish("error", where + message)

    def run(self, trigger: dict[str, Any], skip_condition: bool = False,
            extra: dict[str, Any] | None = None) -> Trace:
        """Evaluate conditions and start (or queue, or refuse) a run; return its trace."""
        trace = Trace(self.id, trigger)
        self.traces.append(trace)
        variables = {**self.component.template_globals, "trigger": trigger}
        try:
            if self._variables:
                variables.update(render_complex(self._variables, variables)
                                 if self._variables_templated else self._variables)
            if extra:
                variables.update(extra)
            passed = skip_condition or self._check(variables, trace)
        except Exception as exc:
            trace.finish("error", f"variables: {type(exc).__name__}: {exc}")
            return trace
        if not passed:
            trace.finish("condition_failed")
            return trace
        self.last_triggered = trace.started
        mode, running = self.config.mode, len(self.runs)
        if running and mode == "single":
            return self._refuse(trace, "already running")
        if running and mode == "restart":
            for task in list(self.runs):
                task.cancel()
        elif mode == "queued" and running:
            if running + len(self._queue) >= self.config.max:
                return self._refuse(trace, f"queue full ({self.config.max})")
            self._queue.append((trace, variables))
            trace.result = "queued"
            return trace
        elif mode == "parallel" and running >= self.config.max:
            return self._refuse(trace, f"{self.config.max} runs already")
        self._start(trace, variables)
        return trace

    def _refuse(self, trace: Trace, why: str) -> Trace:
        # Why: a burst of triggers (1,000 at once in the core bench) must not log 1,000 lines;
        # the first refusal of a burst is logged, the rest are counted (see `_finished`).
        self.skipped += 1
        self._skipped_in_burst += 1
        if self._log_level and self._skipped_in_burst == 1:
            _LOGGER.log(self._log_level, "Automation %s not run: %s", self.name, why)
        trace.finish("skipped", why)
        return trace

    def _start(self, trace: Trace, variables: dict[str, Any]) -> None:
        trace.result = "running"
        run = Run(variables, trace, self.context)
        task = self.component.hub.create_task(self._execute(run), name=f"automation {self.id}")
        self.runs[task] = trace
        task.add_done_callback(self._finished)

    async def _execute(self, run: Run) -> None:
        trace = run.trace
        try:
            await self._script(run)
        except Stopped as stop:
            trace.finish(stop.result, stop.reason or None)
        except asyncio.CancelledError:
            trace.finish("cancelled")
            raise
        except Exception as exc:
            _LOGGER.warning("Automation %s failed: %s: %s", self.name, type(exc).__name__, exc)
            trace.finish("error", f"{type(exc).__name__}: {exc}")
        else:
            trace.finish("finished")
        finally:
            trace.variables = run.variables

    def _finished(self, task: asyncio.Task[None]) -> None:
        trace = self.runs.pop(task, None)
        if trace is not None and trace.finished is None:
            trace.finish("cancelled")
        if self._queue and not self.runs and self.component.running:
            next_trace, variables = self._queue.popleft()
            self._start(next_trace, variables)
        if not self.runs and self._skipped_in_burst:
            if self._log_level and self._skipped_in_burst > 1:
                # debug: at info, 1,000 automations refused in one burst would flood again
                _LOGGER.debug("Automation %s: %d triggers not run while it was busy",
                              self.name, self._skipped_in_burst)
            self._skipped_in_burst = 0

    # ------------------------------------------------------------------ views

    @property
    def entity_id(self) -> str:
        """Return the automation's entity id (automation.<id>)."""
        return self.component.entity_id_of(self.id)

    def describe(self) -> dict[str, Any]:
        """Return what the automation list shows."""
        last = self.traces[-1] if self.traces else None
        return {
            "id": self.id, "entity_id": self.entity_id, "alias": self.config.alias,
            "description": self.config.description, "mode": self.config.mode,
            "max": self.config.max, "enabled": self.enabled,
            "triggers": [t.platform for t in self.config.trigger],
            "last_triggered": self.last_triggered, "running": len(self.runs),
            "queued": len(self._queue), "skipped": self.skipped,
            "last_run": last.summary() if last else None,
        }
