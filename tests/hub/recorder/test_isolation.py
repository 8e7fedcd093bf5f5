"""One row the database refuses costs that row only, never the batch around it (issue 10)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from hub import Context
from hub.recorder.component import Recorder

BAD = "\ud800"  # a lone surrogate: Python text that has no UTF-8 form


async def test_bad_rows_cost_only_themselves(
    hub_factory: Callable[..., Any], db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A batch of 6,000 rows holding a bad event type, audit action and entity state is
    written except those three rows, each logged with its table, name and reason."""
    h = await hub_factory(
        f"recorder:\n  db_url: '{db_url}'\n  commit_interval: 60\n  max_batch: 100000\n"
    )
    hub = h.hub
    recorder: Recorder = hub.components["recorder"]
    await recorder.flush()
    before = {table: await recorder.queries.count(table)
              for table in ("events", "states", "audit_log")}
    anna = Context(user_id="anna")
    for index in range(2000):
        hub.bus.fire("good_ping", {"n": index})
        hub.states.set(f"sensor.s{index % 20}", str(index))
        hub.audit("faces.photo_read", target=f"p{index}", context=anna)
        if index == 700:
            hub.bus.fire("bad" + BAD, {"n": index})
        if index == 1300:
            hub.audit("bad" + BAD, target="x", context=anna)
        if index == 1900:
            hub.states.set("sensor.bad", "on" + BAD)
    with caplog.at_level(logging.ERROR, logger="hub.recorder.history_writer"):
        await recorder.flush()
    after = {table: await recorder.queries.count(table) - before[table]
             for table in ("events", "states", "audit_log")}
    assert after["events"] == 2000, after
    assert after["audit_log"] == 2000, after
    assert after["states"] == 2000, after
    assert recorder.writer.stats.failed_rows == 3
    skipped = [r.getMessage() for r in caplog.records if "Recorder skipped" in r.getMessage()]
    assert len(skipped) == 3, skipped
    assert any("of events it cannot store (bad\\ud800)" in line for line in skipped), skipped
    assert any("of audit_log it cannot store (bad\\ud800)" in line for line in skipped), skipped
    assert any("of states it cannot store (sensor.bad)" in line for line in skipped), skipped
    hub.bus.fire("good_after", {})  # the writer goes on
    await recorder.flush()
    assert (await recorder.events("good_after")).items
