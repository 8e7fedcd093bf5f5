"""hub.audit_committed: the row is in the database when it returns, written once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub import Context
from hub.recorder.component import Recorder


async def test_row_committed_before_return_and_written_once(
    hub_factory: Callable[..., Any], db_url: str
) -> None:
    """With a 60 s commit interval the row is readable at once; a flush adds no twin; the
    audit_logged event still reaches listeners (the panel's live audit, automations)."""
    h = await hub_factory(f"recorder:\n  db_url: '{db_url}'\n  commit_interval: 60\n")
    recorder: Recorder = h.hub.components["recorder"]
    before = await recorder.queries.count("audit_log")
    await h.hub.audit_committed("faces.photo_read", target="p1", details={"photo_id": "x"},
                                context=Context(user_id="anna"))
    assert await recorder.queries.count("audit_log") == before + 1
    [row] = (await recorder.audit_log(action="faces.photo_read")).items
    assert (row["user"], row["target"], row["details"]) == ("anna", "p1", {"photo_id": "x"})
    assert [e.data["action"] for e in h.of_type("audit_logged")][-1] == "faces.photo_read"
    await recorder.flush()
    assert await recorder.queries.count("audit_log") == before + 1


async def test_without_recorder_it_is_an_ordinary_audit(hub_factory: Callable[..., Any]) -> None:
    """A hub without a recorder fires the event (the in-memory audit log keeps it)."""
    h = await hub_factory("recorder:\n  enabled: false\n")
    await h.hub.audit_committed("auth.login", target="anna")
    assert [e.data["action"] for e in h.of_type("audit_logged")] == ["auth.login"]
