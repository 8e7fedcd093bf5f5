"""The automation component: `hub.components['automation']` (list, traces, trigger, reload)."""

from __future__ import annotations

import builtins
import gc
import logging
from typing import TYPE_CHECKING, Any

from ..bus import Event
from ..config import load_yaml, validate_config
from ..config.located import YDict
from ..entity import slugify
from ..exceptions import ConfigError
from ..hub import EVENT_HUB_STARTED
from .automation import Automation
from .conditions import ConditionCompiler
from .config import AutomationsConfig, check_automations
from .schedule import Schedules
from .script import ScriptCompiler
from .template import template_globals
from .triggers import TriggerIndex

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["AutomationComponent"]

DOMAIN = "automation"


class AutomationComponent:
    """Holds every automation; the panel and API use `list`, `traces`, `trigger`, `reload`."""

    def __init__(self, hub: Hub, schedules: Schedules) -> None:
        self.hub = hub
        self.schedules = schedules
        self.tz = schedules.tz
        self.index = TriggerIndex(hub, schedules, self.tz)
        self.conditions = ConditionCompiler(hub.states, schedules, self.tz)
        self.scripts = ScriptCompiler(hub, self.conditions, self.index)
        self.template_globals: dict[str, Any] = template_globals(hub.states, self.tz)
        self.automations: dict[str, Automation] = {}
        self.running = True
        # Why: triggers attach once the hub has started, as HA attaches at
        # homeassistant_started. Attached earlier, each device's first states during start-up
        # (unavailable -> its real state) ran every automation watching it: a boot storm of
        # runs and "already running" lines (found by bench/bench_core.py).
        self.started = hub.state == "running"
        self._unlisten_started = (
            None if self.started else hub.bus.listen(EVENT_HUB_STARTED, self._on_hub_started))

    # ------------------------------------------------------------------ loading

    def load(self, section: AutomationsConfig | None) -> None:
        """Build and attach the automations of a validated section (replacing any loaded)."""
        # Why: building 1,000 automations allocates many small closures; with a big heap the
        # cyclic GC's full passes during the build cost more than the build itself.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._load(section)
        finally:
            if was_enabled:
                gc.enable()

    def _load(self, section: AutomationsConfig | None) -> None:
        self.unload()
        for automation_id, config in (section.with_ids() if section else []):
            if automation_id in self.automations:
                _LOGGER.error("Automation id %s is used twice; the second is skipped",
                              automation_id)
                continue
            automation = Automation(self, automation_id, config)
            self.automations[automation_id] = automation
            if self.started:
                automation.attach()
            self._write_state(automation)
        if self.automations:
            _LOGGER.info("Automations: %d loaded%s", len(self.automations),
                         "" if self.started else "; triggers attach when the hub has started")

    def _on_hub_started(self, _event: Event) -> None:
        """Attach every automation's triggers: start-up's state changes are over."""
        self._stop_listening_started()
        if not self.running or self.started:
            return
        self.started = True
        for automation in self.automations.values():
            automation.attach()
        _LOGGER.debug("Automations: triggers of %d attached", len(self.automations))

    def _stop_listening_started(self) -> None:
        if self._unlisten_started is not None:
            self._unlisten_started()
            self._unlisten_started = None

    def unload(self) -> None:
        """Detach every automation, cancel its runs and remove its state."""
        for automation in self.automations.values():
            automation.detach()
            automation.cancel_runs()
            self.hub.states.remove(automation.entity_id)
        self.automations.clear()

    async def reload(self, config: AutomationsConfig | builtins.list[Any] | None = None) -> int:
        """Replace the automations: from a section, a raw `automation:` list, or (None) the file.

        Raises ConfigError (file:line and field path) and keeps the old automations when the
        new ones are invalid. Schedules are not reloaded. Returns how many were loaded.
        """
        if isinstance(config, AutomationsConfig):
            section = config
        else:
            section = await self._validate(config)
        problems = check_automations(section, set(self.schedules))
        if problems:
            raise ConfigError([f"{'.'.join(map(str, loc))}: {msg}. Hint: {hint}"
                               for loc, msg, hint in problems])
        self.load(section)
        self.hub.audit("automation.reload", details={"count": len(self.automations)})
        return len(self.automations)

    async def _validate(self, raw: builtins.list[Any] | None) -> AutomationsConfig:
        path = self.hub.config.path
        if raw is None:
            if path is None:
                raise ConfigError(["the hub was not started from a file; nothing to reload"])
            document = await self.hub.run_blocking(load_yaml, path)
        else:
            document = {"automation": raw, "schedules": self.hub.config.raw.get("schedules")}
        doc = _subdocument(document, ("automation", "schedules"))
        section: AutomationsConfig | None = validate_config(doc, {}, path).sections.get(DOMAIN)
        return section or AutomationsConfig([])

    # ------------------------------------------------------------------ the API's view

    def list(self) -> list[dict[str, Any]]:
        """Return every automation with its mode, state and last run."""
        return [automation.describe() for automation in self.automations.values()]

    def get(self, automation_id: str) -> Automation:
        """Return one automation by id or entity id; KeyError naming the known ids."""
        automation = self.automations.get(automation_id)
        if automation is None and automation_id.startswith(f"{DOMAIN}."):
            automation = next((a for a in self.automations.values()
                               if a.entity_id == automation_id), None)
        if automation is None:
            known = ", ".join(self.automations) or "none"
            raise KeyError(f"unknown automation '{automation_id}' (known: {known})")
        return automation

    def traces(self, automation_id: str) -> builtins.list[dict[str, Any]]:
        """Return the stored traces of one automation, newest first, as JSON-ready dicts."""
        return [trace.as_dict() for trace in reversed(self.get(automation_id).traces)]

    def trigger(self, automation_id: str, variables: dict[str, Any] | None = None,
                skip_condition: bool = True) -> dict[str, Any]:
        """Run an automation by hand (conditions skipped by default); return its trace so far."""
        automation = self.get(automation_id)
        trigger = {"platform": None, "id": "manual", "idx": None,
                   "description": "manual trigger"}
        trace = automation.run(trigger, skip_condition, variables)
        return trace.as_dict()

    def set_enabled(self, automation_id: str, enabled: bool) -> None:
        """Turn an automation on or off (off: triggers are ignored, runs go on)."""
        automation = self.get(automation_id)
        automation.enabled = enabled
        self._write_state(automation)

    def fire_webhook(self, webhook_id: str, *, json: Any = None,
                     query: dict[str, str] | None = None, method: str = "POST") -> int:
        """Fire the webhook triggers with this id; return how many automations it reached."""
        return self.index.fire_webhook(webhook_id, json=json, query=query, method=method)

    def entity_id_of(self, automation_id: str) -> str:
        """Return the entity id an automation's state is published under."""
        return f"{DOMAIN}.{slugify(automation_id)}"

    def _write_state(self, automation: Automation) -> None:
        cfg = automation.config
        self.hub.states.set(automation.entity_id, "on" if automation.enabled else "off",
                            {"friendly_name": automation.name, "id": automation.id,
                             "mode": cfg.mode})

    async def stop(self) -> None:
        """Detach everything and cancel runs (the hub is stopping)."""
        self.running = False
        self._stop_listening_started()
        for automation in self.automations.values():
            automation.detach()
            automation.cancel_runs()
        self.index.close()


def _subdocument(document: Any, keys: tuple[str, ...]) -> Any:
    """Keep only `keys` of a loaded document, with their file:line locations."""
    if not isinstance(document, dict):
        return document
    sub = YDict({k: document[k] for k in keys if document.get(k) is not None})
    sub.loc = getattr(document, "loc", ("?", 0))
    locs = getattr(document, "key_locs", {})
    sub.key_locs = {k: locs[k] for k in sub if k in locs}
    return sub
