"""Turn the runs into rows: median of the runs, ours / theirs, the ratio and the goal."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .runner import Results
from .spec import Sizes
from .stats import median

__all__ = ["Row", "integrity_lines", "rows", "table"]

Extract = Callable[[dict[str, Any]], float]


@dataclass(frozen=True)
class Row:
    """One figure: where it comes from, its unit, and the goal for ours / theirs."""

    label: str
    key: str
    extract: Extract
    unit: str
    kind: str  # throughput (>= 3x), latency (<= 1x), startup (<= 1/3), memory (<= 1x)
    reference: float | None = None  # the measured HA figure

    def goal(self) -> tuple[str, Callable[[float], bool]]:
        """Return the goal as text and a test of the ratio ours / theirs."""
        return {
            "throughput": (">= 3x", lambda r: r >= 3.0),
            "latency": ("<= 1x", lambda r: r <= 1.0),
            "startup": ("<= 1/3", lambda r: r <= 1 / 3),
            "memory": ("<= 1x", lambda r: r <= 1.0),
        }[self.kind]


def _field(name: str) -> Extract:
    return lambda result: float(result[name])


def _spawn_to_ready(result: dict[str, Any]) -> float:
    return float(result["ready_wall"] - result["spawn_wall"])


def rows(sizes: Sizes) -> list[Row]:
    """Return the rows for these sizes; reference figures only apply to the full sizes."""
    full = sizes == Sizes()
    rows = [
        Row(
            "events/s to one listener",
            "events_1",
            _field("events_per_s"),
            "/s",
            "throughput",
            119_000 if full else None,
        ),
        Row(
            "events/s, 100 listeners on other types",
            "events_100",
            _field("events_per_s"),
            "/s",
            "throughput",
        ),
        Row(
            "state writes/s, state_changed listener",
            "state_writes",
            _field("writes_per_s"),
            "/s",
            "throughput",
            55_000 if full else None,
        ),
    ]
    for count in sizes.latency_automations:
        ref = full and count == 1000
        what = f"{count:,} automation{'s' if count > 1 else ''}"
        rows += [
            Row(
                f"trigger->action p50, {what}",
                f"latency_{count}",
                _field("p50_ms"),
                "ms",
                "latency",
                0.15 if ref else None,
            ),
            Row(
                f"trigger->action p99, {what}",
                f"latency_{count}",
                _field("p99_ms"),
                "ms",
                "latency",
                0.46 if ref else None,
            ),
            Row(
                "  p99 of samples not preempted by the OS",
                f"latency_{count}",
                _field("clean_p99_ms"),
                "ms",
                "latency",
            ),
        ]
    rows.append(
        Row(
            f"triggers/s, burst over {sizes.burst_automations:,} automations",
            "burst",
            _field("triggers_per_s"),
            "/s",
            "throughput",
            2_800 if full else None,
        )
    )
    autos, ents = f"{sizes.startup_automations:,}", f"{sizes.startup_entities:,}"
    for kind in ("states", "objects"):
        key = f"startup_{kind}"
        ref = full and kind == "states"
        rows += [
            Row(
                f"start-up, spawn->ready, {autos} autom. + {ents} entity {kind}",
                key,
                _spawn_to_ready,
                "s",
                "startup",
                0.76 if ref else None,
            ),
            Row(
                "  CPU time (user + sys) of the process until ready",
                key,
                _field("cpu_s"),
                "s",
                "startup",
            ),
            Row(
                "  of which after `import hub` / `import homeassistant`",
                key,
                _field("setup_s"),
                "s",
                "startup",
            ),
            Row(
                f"RSS at ready, {autos} autom. + {ents} entity {kind}",
                key,
                _field("rss_mib"),
                "MiB",
                "memory",
                110 if ref else None,
            ),
        ]
    return rows


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "-"
    if unit == "/s":
        return f"{value / 1000:,.1f}k" if value >= 1000 else f"{value:,.0f}"
    if unit == "ms":
        return f"{value:.3f}"
    if unit == "s":
        return f"{value:.2f}"
    return f"{value:.0f}"


def _median(results: Results, side: str, row: Row) -> float:
    values = [row.extract(r) for r in results.values(side, row.key)]
    return median(values)


def table(results: Results, ours: str = "ours", markdown: bool = False) -> list[str]:
    """Return the rows as text (or markdown) lines: ours, theirs, ratio, goal, met."""
    head = [
        f"figure (median of {results.runs} runs)",
        "unit",
        "Campus Hub" + (" + recorder" if ours != "ours" else ""),
        "HA 2024.3.3",
        "ours/HA",
        "goal",
        "met",
        "HA in issue",
    ]
    body = []
    for row in rows(results.sizes):
        mine, theirs = _median(results, ours, row), _median(results, "theirs", row)
        ratio = mine / theirs if theirs else math.nan
        goal, test = row.goal()
        met = "-" if math.isnan(ratio) else ("yes" if test(ratio) else "NO")
        ref = _fmt(row.reference, row.unit) if row.reference is not None else ""
        body.append(
            [
                row.label,
                row.unit,
                _fmt(mine, row.unit),
                _fmt(theirs, row.unit),
                f"{ratio:.2f}x" if not math.isnan(ratio) else "-",
                goal,
                met,
                ref,
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return lines + ["| " + " | ".join(cells) + " |" for cells in body]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    return [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        for cells in [head, *body]
    ]


def integrity_lines(results: Results) -> list[str]:
    """Return what the recorder stored against what was fired, and the keep-up test."""
    runs = results.by_side.get("ours+recorder", {})
    names = (
        "dropped",
        "failed_rows",
        "states_missing",
        "events_missing",
        "incidents_missing",
        "flush_early",
    )
    totals = dict.fromkeys(names, 0)
    for outputs in runs.values():
        for output in outputs:
            for name in names:
                totals[name] += int(output.get(name, 0))
    lines = [
        f"recorder, all runs: {totals['dropped']} history events dropped, "
        f"{totals['failed_rows']} rows failed, {totals['states_missing']} state rows and "
        f"{totals['events_missing']} event rows missing, {totals['incidents_missing']} "
        f"incidents missing; Recorder.flush() returned before its rows were committed "
        f"{totals['flush_early']} times (rows arrived within 5 s)"
    ]
    for key, label in (("state_writes", "state writes"), ("events_1", "events")):
        outs = [o for o in runs.get(key, []) if "durable_per_s" in o]
        if outs:
            durable = median([o["durable_per_s"] for o in outs])
            batch = max(o["max_batch_s"] for o in outs)
            lines.append(
                f"{label} until committed (burst, then flush), median "
                f"{durable / 1000:,.1f}k/s; slowest batch {batch * 1000:.0f} ms"
            )
    lines += _sustained_lines(runs.get("sustained", []))
    return lines


def _sustained_lines(outs: list[dict[str, Any]]) -> list[str]:
    if not outs:
        return []

    def med(name: str) -> float:
        return median([float(o[name]) for o in outs])

    target = med("target_per_s")
    # Keeping up: rows committed during the test at (nearly) the rate they were written.
    kept = [o["committed_per_s"] >= 0.95 * o["target_per_s"] for o in outs]
    verdict = (
        "keeps up in every run"
        if all(kept)
        else f"does NOT keep up in {kept.count(False)} of {len(kept)} runs: the queue grows "
        "(history lags; past max_queue the oldest history would be dropped)"
    )
    return [
        f"sustained {target / 1000:,.0f}k state writes/s (HA's rate) with the recorder on, "
        f"medians of {len(outs)}: written {med('achieved_per_s') / 1000:,.1f}k/s, committed "
        f"during the test {med('committed_per_s') / 1000:,.1f}k/s; queue at the end "
        f"{med('queue_at_end'):,.0f} rows, drained in {med('drain_s'):.1f} s; incident "
        f"commit p50 {med('incident_commit_p50_ms'):.0f} ms, max "
        f"{med('incident_commit_max_ms'):.0f} ms",
        "  verdict: " + verdict,
    ]
