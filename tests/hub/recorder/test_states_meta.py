"""State history keyed by `states_meta`: one row per entity, failed batches, purge order."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from hub.recorder import purge
from hub.recorder.component import Recorder
from hub.recorder.models import StateRow, StatesMetaRow


def _yaml(url: str) -> str:
    return f"recorder:\n  db_url: '{url}'\n  commit_interval: 60\n"


async def test_each_entity_is_stored_once_and_history_names_it(
    hub_factory: Callable[..., Any], db_url: str
) -> None:
    """Many states of three entities: three states_meta rows, history per entity is right."""
    h = await hub_factory(_yaml(db_url))
    recorder: Recorder = h.hub.components["recorder"]
    for n in range(300):
        h.hub.states.set(f"sensor.meta_{n % 3}", str(n))
    await recorder.flush()
    async with recorder.db.session() as session:
        names = (await session.scalars(select(StatesMetaRow.entity_id))).all()
        rows = (await session.execute(select(func.count()).select_from(StateRow))).scalar_one()
    assert sorted(n for n in names if n.startswith("sensor.meta_")) == [
        "sensor.meta_0",
        "sensor.meta_1",
        "sensor.meta_2",
    ]
    assert rows >= 300
    page = await recorder.history("sensor.meta_1", limit=1000)
    assert {item["entity_id"] for item in page.items} == {"sensor.meta_1"}
    assert [int(item["state"]) for item in page.items] == list(range(298, 0, -3))


async def _refuse_state(recorder: Recorder, value: str, postgres: bool) -> None:
    """Make the database itself refuse a state row whose state is `value`."""
    async with recorder.db.engine.begin() as conn:
        if postgres:
            await conn.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.state = '{value}' THEN RAISE EXCEPTION 'refused'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON states "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON states "
                    f"WHEN NEW.state = '{value}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )


async def test_a_refused_row_does_not_leave_rolled_back_entity_ids(
    hub_factory: Callable[..., Any], db_url: str
) -> None:
    """The batch that added new entities fails: their rows still land under the right ids."""
    h = await hub_factory(_yaml(db_url))
    recorder: Recorder = h.hub.components["recorder"]
    await _refuse_state(recorder, "refuse-me", postgres=db_url.startswith("postgresql"))
    h.hub.states.set("sensor.first_new", "a")
    h.hub.states.set("sensor.bad_new", "refuse-me")
    h.hub.states.set("sensor.second_new", "b")
    await recorder.flush()
    assert recorder.writer.stats.failed_rows == 1
    first = await recorder.history("sensor.first_new")
    second = await recorder.history("sensor.second_new")
    assert [i["state"] for i in first.items] == ["a"]
    assert [i["state"] for i in second.items] == ["b"]
    assert (await recorder.history("sensor.bad_new")).items == []
    h.hub.states.set("sensor.first_new", "c")  # the cache learnt the committed id again
    await recorder.flush()
    assert [i["state"] for i in (await recorder.history("sensor.first_new")).items] == ["c", "a"]


async def test_a_refused_row_rolls_back_its_batch_before_the_retry(
    hub_factory: Callable[..., Any], db_url: str
) -> None:
    """Rows written before the refused one in the same batch are stored once, not twice."""
    h = await hub_factory(_yaml(db_url))
    recorder: Recorder = h.hub.components["recorder"]
    h.hub.states.set("sensor.known", "first")  # known entities: no states_meta insert
    await recorder.flush()
    await _refuse_state(recorder, "refuse-me", postgres=db_url.startswith("postgresql"))
    h.hub.bus.fire("before_refusal", {"n": 1})
    h.hub.states.set("sensor.known", "second")
    h.hub.states.set("sensor.known", "refuse-me")
    await recorder.flush()
    assert len((await recorder.events("before_refusal")).items) == 1
    states = [i["state"] for i in (await recorder.history("sensor.known")).items]
    assert states == ["second", "first"]


async def test_purge_walks_state_rows_in_id_order(
    hub_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old rows over several chunks are deleted; newer rows after them are all kept."""
    monkeypatch.setattr(purge, "_CHUNK", 10)  # several chunks from a few rows
    h = await hub_factory("recorder:\n  purge_keep_days: 10\n  commit_interval: 60\n")
    recorder: Recorder = h.hub.components["recorder"]
    for n in range(25):
        h.hub.states.set("sensor.purged", str(n))
    await recorder.flush()
    async with recorder.db.session() as session, session.begin():
        await session.execute(update(StateRow).values(last_updated=time.time() - 11 * 86400))
    for n in range(12):
        h.hub.states.set("sensor.purged", f"new {n}")
    await recorder.flush()
    removed = await h.hub.services.call("recorder", "purge", {})
    assert removed["states"] >= 25
    states = [i["state"] for i in (await recorder.history("sensor.purged", limit=100)).items]
    assert states == [f"new {n}" for n in range(11, -1, -1)]
