"""The Hub: one asyncio loop holding the bus, states, services, entities and incidents."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from .alarm import replay_journal
from .alarm_journal import FILE_NAME as PRESS_JOURNAL
from .alarm_journal import PressJournal
from .bus import Context, Event, EventBus
from .clock import Clock, SystemClock
from .components import COMPONENTS, resolve
from .config import HubConfig
from .datadir import check_data_dir_blocking
from .entity import Entity
from .entity_services import register_entity_services
from .hubkey import Components
from .incidents import IncidentManager, register_incident_services
from .plugins import PluginRegistry
from .services import ServiceCall, ServiceRegistry
from .snapshots import SnapshotStore
from .states import StateMachine

if TYPE_CHECKING:
    import aiohttp

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

__all__ = ["EVENT_AUDIT_LOGGED", "EVENT_HUB_STARTED", "EVENT_HUB_STOPPING", "Hub"]

EVENT_HUB_STARTED = "hub_started"
EVENT_HUB_STOPPING = "hub_stopping"
EVENT_AUDIT_LOGGED = "audit_logged"
_BACKOFF_MAX = 60.0


_STOP_GRACE = 5.0  # s a task may take to end after its cancellation before it is named


async def _cancel_and_wait(tasks: list[asyncio.Task[Any]]) -> None:
    """Cancel tasks and wait until they end; name (with its stack) and cancel again any
    task still running after _STOP_GRACE, then each second: on Python 3.11 a cancellation
    can be lost inside asyncio.wait_for, and a lost one used to hang hub.stop() for good."""
    for task in tasks:
        task.cancel()
    _done, pending = await asyncio.wait(tasks, timeout=_STOP_GRACE) if tasks else ((), set())
    while pending:
        for task in pending:
            _LOGGER.warning("Task %s did not end when cancelled; cancelling again:\n%s",
                            task.get_name(), _stack(task))
            task.cancel()
        _done, pending = await asyncio.wait(pending, timeout=1.0)
    await asyncio.gather(*tasks, return_exceptions=True)


def _stack(task: asyncio.Task[Any]) -> str:
    """Return where a task waits, without reading source files (no blocking I/O)."""
    return "".join(f"  {f.f_code.co_filename}:{f.f_lineno} in {f.f_code.co_name}\n"
                   for f in task.get_stack(limit=8))


def _audit_event(action: str, target: str | None, details: dict[str, Any] | None,
                 context: Context | None) -> Event:
    user = context.user_id if context and context.user_id else "hub"
    data = {"action": action, "user": user, "target": target, "details": details or {}}
    return Event(EVENT_AUDIT_LOGGED, data, time.time(), context or Context())


class Hub:
    """The running hub. Start with `await hub.start()`, stop with `await hub.stop()`."""

    def __init__(self, config: HubConfig | None = None,
                 plugins: PluginRegistry | None = None) -> None:
        self.config = config or HubConfig()
        self.bus = EventBus(spawn=self._spawn)
        self.states = StateMachine(self.bus)
        self.services = ServiceRegistry(self.bus)
        self.plugins = plugins if plugins is not None else PluginRegistry()
        self.entities: dict[str, Entity] = {}
        #: wall time for timers that follow stored times (tests set a FakeClock before start)
        self.clock: Clock = SystemClock()
        self.incidents = IncidentManager(self, self.config.incidents)
        self.snapshots = SnapshotStore(self, self.config.data_dir / "snapshots")
        #: Alarm presses not stored yet, on disk until they are (hub/alarm_journal.py).
        self.press_journal = PressJournal(self.config.data_dir / PRESS_JOURNAL)
        #: Running components; `hub.components[RECORDER]` is typed (hub/hubkey.py).
        self.components = Components()
        self.state = "not_running"
        self.started_at: float | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stop_callbacks: list[Callable[[], Awaitable[None] | None]] = []
        self._executor = ThreadPoolExecutor(self.config.core.blocking_workers, "hub-blocking")
        self._client_session: aiohttp.ClientSession | None = None
        #: Commits one audit event before `audit_committed` returns (set by the recorder).
        self.audit_sink: Callable[[Event], Awaitable[None]] | None = None
        self._stopped = asyncio.Event()

    @property
    def site(self) -> str:
        """Return the site id this hub reports as."""
        return self.config.core.site

    # ------------------------------------------------------------------ tasks and blocking

    def create_task(self, coro: Coroutine[Any, Any, _T], name: str) -> asyncio.Task[_T]:
        """Start a tracked background task; it is cancelled when the hub stops."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> object:
        return self.create_task(coro, name)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            _LOGGER.error("Task %s failed", task.get_name(), exc_info=exc)

    async def run_blocking(self, func: Callable[..., _T], *args: Any) -> _T:
        """Run short blocking I/O in the hub's executor."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args))

    def on_stop(self, callback: Callable[[], Awaitable[None] | None]) -> None:
        """Run `callback` when the hub stops (last registered runs first)."""
        self._stop_callbacks.append(callback)

    @property
    def client_session(self) -> aiohttp.ClientSession:
        """Return the one shared HTTP client session plugins use."""
        if self._client_session is None or self._client_session.closed:
            import aiohttp  # imported on first use: a hub without HTTP devices starts faster

            self._client_session = aiohttp.ClientSession()
        return self._client_session

    def audit(self, action: str, *, target: str | None = None,
              details: dict[str, Any] | None = None, context: Context | None = None) -> None:
        """Record who did what; the recorder stores `audit_logged` events."""
        self.bus.fire_event(_audit_event(action, target, details, context))

    async def audit_committed(self, action: str, *, target: str | None = None,
                              details: dict[str, Any] | None = None,
                              context: Context | None = None) -> None:
        """Record a security-relevant action; return once its audit row is stored.

        For logins, face-image and visitor-data reads, user and role changes and gate
        commands: await it before the client hears back, so that after a crash (kill -9)
        every action a client was told about has its row. A failure to store raises, and
        the action is refused. Without a recorder it is `audit`.
        """
        event = _audit_event(action, target, details, context)
        if self.audit_sink is not None:
            await self.audit_sink(event)
        self.bus.fire_event(event)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start components, plugins and devices; return when first setup attempts are done."""
        self.state = "starting"
        started = time.monotonic()
        warning = await self.run_blocking(check_data_dir_blocking, self.config.data_dir)
        if warning:
            _LOGGER.warning(warning)
        for kind in self.plugins.kinds.values():
            register_entity_services(self, kind.domain, kind.services)
        register_incident_services(self)
        self._register_plugin_declarations()
        for spec in COMPONENTS:
            section = self.config.sections.get(spec.key)
            if section is not None or spec.required:
                await resolve(spec.setup)(self, section)
        await self.incidents.load()
        await self._call_lifecycle_hook("startup")
        await self._setup_devices()
        await replay_journal(self)
        self.create_task(self._retention_loop(), name="snapshot retention")
        self.state = "running"
        self.started_at = time.time()
        self.bus.fire(EVENT_HUB_STARTED, {"seconds": round(time.monotonic() - started, 3)})
        _LOGGER.info("Campus Hub started: %d entities, %d plugins", len(self.entities),
                     len(self.plugins.loaded))

    def _register_plugin_declarations(self) -> None:
        for _plugin, result in self.plugins.call_each("register_incident_categories"):
            for name, category in (result or {}).items():
                self.config.incidents.categories.setdefault(name, category)
        for _plugin, result in self.plugins.call_each("register_services"):
            for spec in result or ():
                handler = functools.partial(_call_plugin_service, self, spec.handler)
                self.services.register(spec.domain, spec.name, handler, spec.schema,
                                       spec.description, spec.roles)

    async def _call_lifecycle_hook(self, name: str) -> None:
        await self.plugins.call_each_async(name, self.config.core.setup_timeout, hub=self)

    async def _setup_devices(self) -> None:
        for device in self.config.devices:
            platform = self.plugins.platforms.get(device.platform)
            if platform is None:
                _LOGGER.error("%s: platform %s is not loaded", device.name, device.platform)
                continue
            try:
                for entity in platform.create_entities(self, device):
                    self.add_entity(entity)
            except Exception:
                _LOGGER.exception("%s: could not create entities", device.name)
        await asyncio.gather(*(self._setup_entity(e) for e in list(self.entities.values())))

    async def _retention_loop(self) -> None:
        """Delete snapshots past their retention (those linked to incidents stay), hourly."""
        while True:
            try:
                await self.snapshots.purge(self.config.core.snapshot_retention_days)
            except OSError as exc:
                _LOGGER.warning("Snapshot retention failed: %s", exc)
            await asyncio.sleep(3600)

    def add_entity(self, entity: Entity) -> None:
        """Add an entity (not yet set up) and publish its first state."""
        if entity.entity_id in self.entities:
            raise ValueError(f"duplicate entity id {entity.entity_id}")
        self.entities[entity.entity_id] = entity
        entity.write_state()

    async def _setup_entity(self, entity: Entity, attempt: int = 0) -> None:
        try:
            async with asyncio.timeout(self.config.core.setup_timeout):
                await entity.setup()
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = f"setup failed: {exc}" if str(exc) else f"setup failed: {type(exc).__name__}"
            entity.set_available(False, reason)
            if attempt == 0:
                _LOGGER.warning("%s: %s; retrying with backoff", entity.name, reason)
                if entity.supervised:
                    self.incidents.track_availability(entity.entity_id, entity.name,
                                                      entity.config.gate, False, reason)
        delay = min(_BACKOFF_MAX, 2.0 ** attempt)
        self.create_task(self._retry_setup(entity, delay, attempt + 1),
                         name=f"setup retry {entity.entity_id}")

    async def _retry_setup(self, entity: Entity, delay: float, attempt: int) -> None:
        await asyncio.sleep(delay)
        if self.state in ("starting", "running"):
            await self._setup_entity(entity, attempt)

    async def stop(self) -> None:
        """Stop devices, plugins and components; cancel background tasks."""
        if self.state in ("stopping", "stopped"):
            return
        self.state = "stopping"
        self.bus.fire(EVENT_HUB_STOPPING, {})
        await asyncio.gather(*(self._shutdown_entity(e) for e in self.entities.values()))
        await self._call_lifecycle_hook("shutdown")
        await _cancel_and_wait(list(self._tasks))
        for callback in reversed(self._stop_callbacks):
            try:
                result = callback()
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                _LOGGER.exception("Error while stopping %s", callback)
        if self._client_session is not None:
            await self._client_session.close()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.state = "stopped"
        self._stopped.set()

    async def _shutdown_entity(self, entity: Entity) -> None:
        try:
            async with asyncio.timeout(5):
                await entity.shutdown()
        except Exception:
            _LOGGER.exception("%s: shutdown failed", entity.name)

    async def run(self, on_started: Callable[[], object] | None = None) -> None:
        """Start, run until SIGINT/SIGTERM, then stop gracefully; a failed start stops, raises.

        `on_started` runs once the hub has started (the CLI freezes the heap there).
        """
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            await self.start()
        except BaseException:
            await self.stop()  # what did start (database, tasks) is closed again
            raise
        if on_started is not None:
            on_started()
        try:
            await stop.wait()
        finally:
            _LOGGER.info("Stopping Campus Hub")
            await self.stop()


async def _call_plugin_service(hub: Hub, handler: Callable[..., Any], call: ServiceCall) -> Any:
    result = handler(hub, call)
    if asyncio.iscoroutine(result):
        result = await result
    return result
