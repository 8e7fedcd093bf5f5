"""Flow actions in Home Assistant's shape: repeat (count, while, until, for_each), parallel,
sequence, if/then/else.

As in HA, each nested sequence is a sub-script: a `condition` step that fails ends only that
sequence (one round of a repeat, one parallel branch), while `stop`, errors and cancellation
end the whole run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .config_actions import (
    REPEAT_LIMIT,
    IfAction,
    ParallelAction,
    RepeatAction,
    SequenceAction,
)
from .run import Body, Run, Step, Stopped
from .template import Template, TemplateError, render_complex

if TYPE_CHECKING:
    from .conditions import Check
    from .script import ScriptCompiler

__all__ = [
    "RepeatError",
    "compile_if",
    "compile_parallel",
    "compile_repeat",
    "compile_sequence",
    "run_nested",
]

_UNSET = object()


class RepeatError(Exception):
    """A repeat cannot go on: a bad count or for_each value, or past REPEAT_LIMIT rounds."""


async def run_nested(sequence: Step, run: Run) -> bool:
    """Run a nested sequence; return False when a condition step ended it (the run goes on)."""
    try:
        await sequence(run)
    except Stopped as stop:
        if stop.result != "condition_failed":
            raise
        return False
    return True


def compile_if(compiler: ScriptCompiler, cfg: IfAction, path: str) -> Body:
    """Return the body of an `if:` action: `then` when the conditions hold, else `else`."""
    check = compiler.conditions.compile_all(cfg.if_, f"{path}/if")
    then = compiler.compile(cfg.then, f"{path}/then")
    otherwise = compiler.compile(cfg.else_, f"{path}/else") if cfg.else_ else None

    async def run_if(run: Run) -> Any:
        if check(run.variables, run.trace):
            return {"choice": "then", "completed": await run_nested(then, run)}
        if otherwise is not None:
            return {"choice": "else", "completed": await run_nested(otherwise, run)}
        return {"choice": None}

    return run_if


def compile_sequence(compiler: ScriptCompiler, cfg: SequenceAction, path: str) -> Body:
    """Return the body of a `sequence:` action: its actions in order, as a sub-script."""
    sequence = compiler.compile(cfg.sequence, f"{path}/sequence")

    async def run_sequence(run: Run) -> Any:
        return {"completed": await run_nested(sequence, run)}

    return run_sequence


def compile_parallel(compiler: ScriptCompiler, cfg: ParallelAction, path: str) -> Body:
    """Return the body of a `parallel:` action: every branch at once, done when all are.

    As HA: a failing branch does not stop the others; when all are done, the first failure
    (in branch order) ends the run. Cancelling the run cancels every branch.
    """
    branches: list[Step] = []
    for i, action in enumerate(cfg.parallel):
        if not action.enabled:
            continue
        # HA's trace paths: each branch is a sequence, parallel/<i>/sequence/<step>.
        actions = action.sequence if isinstance(action, SequenceAction) else [action]
        branches.append(compiler.compile(actions, f"{path}/parallel/{i}/sequence"))

    async def branch(sequence: Step, run: Run) -> bool:
        return await run_nested(sequence, run)

    async def parallel(run: Run) -> Any:
        loop = asyncio.get_running_loop()
        # Each branch has its own copy of the variables (its `wait`, `repeat`, ...).
        tasks = [
            loop.create_task(branch(seq, Run(dict(run.variables), run.trace, run.context)))
            for seq in branches
        ]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]
        return {"branches": len(branches), "completed": [r is True for r in results]}

    return parallel


def compile_repeat(compiler: ScriptCompiler, cfg: RepeatAction, path: str) -> Body:
    """Return the body of a `repeat:` action; each round is traced as an `iteration` step."""
    spec = cfg.repeat
    here = f"{path}/repeat"
    sequence = compiler.compile(spec.sequence, f"{here}/sequence")
    conditions = compiler.conditions

    async def one_round(run: Run, index: int, count: int | None = None, item: Any = _UNSET) -> None:
        values: dict[str, Any] = {"first": index == 1, "index": index}
        if count:
            values["last"] = index == count
        if item is not _UNSET:
            values["item"] = item
        run.variables["repeat"] = values
        started = time.time()
        entry = run.trace.step(here, "iteration", started, result=dict(values))
        try:
            completed = await run_nested(sequence, run)
        except BaseException as exc:
            if entry is not None:
                entry["error"] = (
                    "cancelled"
                    if isinstance(exc, asyncio.CancelledError)
                    else (f"{type(exc).__name__}: {exc}")
                )
            raise
        finally:
            if entry is not None:
                entry["duration"] = time.time() - started
        if not completed and entry is not None:
            entry["result"]["ended"] = "condition_failed"

    if spec.count is not None:
        count_value = spec.count

        async def loop(run: Run) -> int:
            count = _count(count_value, run.variables)
            for index in range(1, count + 1):
                if index > 1:
                    await asyncio.sleep(0)  # a tight loop must not starve the hub
                await one_round(run, index, count)
            return count

    elif spec.for_each is not None:
        items_value = spec.for_each

        async def loop(run: Run) -> int:
            items = _items(items_value, run.variables)
            for index, item in enumerate(items, 1):
                if index > 1:
                    await asyncio.sleep(0)
                await one_round(run, index, len(items), item)
            return len(items)

    elif spec.while_ is not None:
        check_while = conditions.compile_all(spec.while_, f"{here}/while")

        async def loop(run: Run) -> int:
            index = 0
            while True:
                index += 1
                run.variables["repeat"] = {"first": index == 1, "index": index}
                if not _holds(check_while, run):  # false or failed: done
                    return index - 1
                if index > REPEAT_LIMIT:
                    raise RepeatError(
                        f"repeat.while: still true after {REPEAT_LIMIT} rounds; the run is stopped"
                    )
                if index > 1:
                    await asyncio.sleep(0)
                await one_round(run, index)

    else:
        assert spec.until is not None
        check_until = conditions.compile_all(spec.until, f"{here}/until")

        async def loop(run: Run) -> int:
            index = 0
            while True:
                index += 1
                await one_round(run, index)
                if _holds(check_until, run) is not False:  # true or failed: done (as HA)
                    return index
                if index >= REPEAT_LIMIT:
                    raise RepeatError(
                        f"repeat.until: still false after {REPEAT_LIMIT} rounds; the run is stopped"
                    )
                await asyncio.sleep(0)

    async def repeat(run: Run) -> Any:
        outer = run.variables.get("repeat", _UNSET)  # a repeat inside a repeat
        try:
            rounds = await loop(run)
        finally:
            if outer is _UNSET:
                run.variables.pop("repeat", None)
            else:
                run.variables["repeat"] = outer
        return {"iterations": rounds}

    return repeat


def _holds(check: Check, run: Run) -> bool | None:
    """Evaluate loop conditions: True, False, or None when one of them failed to evaluate."""
    trace = run.trace
    before = len(trace.conditions)
    if check(run.variables, trace):
        return True
    if any(error is not None for _, _, error in trace.conditions[before:]):
        return None
    return False


def _count(value: int | Template, variables: Mapping[str, Any]) -> int:
    if not isinstance(value, Template):
        return value
    try:
        rendered = value.render_native(variables)
    except TemplateError as exc:
        raise RepeatError(f"repeat.count: {exc}") from None
    if isinstance(rendered, float) and rendered.is_integer():
        rendered = int(rendered)
    if isinstance(rendered, str) and rendered.strip().isdigit():
        rendered = int(rendered)
    if isinstance(rendered, bool) or not isinstance(rendered, int) or rendered < 0:
        raise RepeatError(
            f"repeat.count: the template gave {rendered!r}, not a whole number of rounds"
        )
    if rendered > REPEAT_LIMIT:
        raise RepeatError(f"repeat.count: {rendered} rounds is over the limit of {REPEAT_LIMIT}")
    return rendered


def _items(value: list[Any] | Template, variables: Mapping[str, Any]) -> list[Any]:
    try:
        rendered = render_complex(value, variables)
    except TemplateError as exc:
        raise RepeatError(f"repeat.for_each: {exc}") from None
    if isinstance(rendered, tuple):
        rendered = list(rendered)
    if not isinstance(rendered, list):
        raise RepeatError(f"repeat.for_each: the template gave {rendered!r}, not a list")
    if len(rendered) > REPEAT_LIMIT:
        raise RepeatError(
            f"repeat.for_each: {len(rendered)} items is over the limit of {REPEAT_LIMIT}"
        )
    return rendered
