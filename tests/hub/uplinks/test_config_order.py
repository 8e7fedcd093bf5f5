"""Uplink entries' errors name file:line; order holds across retries; stop keeps marks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub.config import load_config
from hub.exceptions import ConfigError
from hub.plugins import PluginRegistry
from hub.testing import wait_for
from hub.uplinks.const import ACTION_DELIVERED, ACTION_FAILED
from tests.hub.uplinks.receiver import SECRET, FaultyReceiver, webhook_yaml

HubFactory = Callable[..., Any]


def _check(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "site.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        registry = PluginRegistry()
        registry.load_entry_points()
        load_config(path, registry.config_models(), uplinks=registry.uplink_models())
    return err.value.problems


def test_bad_uplink_entries_name_file_line_and_field(tmp_path: Path) -> None:
    """A short secret and a bad SIA key are reported with file:line and the field path."""
    problems = _check(tmp_path, (
        "uplinks:\n  - type: webhook\n    name: city\n    url: https://x.example/h\n"
        "    secret: short\n  - type: sia\n    name: arc\n    host: 127.0.0.1\n"
        "    port: 12000\n    account: '1234'\n    key: not-16-bytes\n"))
    text = "\n".join(problems)
    assert "site.yaml:5: uplinks[0].secret" in text
    assert "at least 16 characters" in text
    assert "site.yaml:6: uplinks[1]" in text and "AES needs 16, 24 or 32 bytes" in text


def test_duplicate_uplink_names_refused(tmp_path: Path) -> None:
    """Two uplinks with one name are refused (names key the outbox)."""
    problems = _check(tmp_path, (
        "uplinks:\n"
        f"  - {{type: webhook, name: city, url: 'https://a.example/h', secret: {SECRET}}}\n"
        "  - {type: mqtt, name: city, url: 'mqtt://127.0.0.1:1883'}\n"))
    assert any("uplink name 'city' is used by uplinks[0]" in p for p in problems)


def test_old_police_section_says_where_it_went(tmp_path: Path) -> None:
    """The police: section of earlier releases is refused with file:line and how to move it."""
    problems = _check(tmp_path, "hub: {}\npolice:\n  webhooks: []\n")
    assert problems[0].startswith(f"{tmp_path / 'site.yaml'}:2: police: the police: section "
                                  "is now the uplinks: list")
    assert "type: webhook, sia or mqtt" in problems[0]


async def test_later_revision_waits_for_a_failing_earlier_one(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """While 'raised' is being retried, 'acknowledged' of the same incident does not overtake."""
    receiver.statuses = [500, 500]
    h = await hub_factory(webhook_yaml(receiver.url))
    first = await h.hub.incidents.raise_incident("panic", source="a")
    await wait_for(lambda: [s for s in first.timeline if s.action == ACTION_FAILED])
    await h.hub.services.call("incident", "acknowledge", {"incident_id": first.id})
    other = await h.hub.incidents.raise_incident("panic", source="b")
    await wait_for(lambda: len(receiver.messages) == 3, timeout=10)
    order = [(m["incident"]["id"], m["event"]) for m in receiver.messages]
    assert order.index((first.id, "raised")) < order.index((first.id, "acknowledged"))
    assert (other.id, "raised") in order


async def test_clean_stop_and_restart_sends_nothing_twice(
    hub_factory: HubFactory, receiver: FaultyReceiver
) -> None:
    """After a clean stop the deliveries are marked: a restarted hub does not send them again."""
    h = await hub_factory(webhook_yaml(receiver.url))
    assert "recorder" in h.hub.components, "the recorder's database outbox is not running"
    incidents = [await h.hub.incidents.raise_incident("panic", source=f"s{i}")
                 for i in range(20)]
    # Stop as soon as the hub has read each answer (the marks still wait for their batch):
    # a message the receiver has but whose answer the hub had not read when it stopped is
    # rightly sent again.
    sender = next(iter(h.hub.components["uplinks"].senders.values()))
    await wait_for(lambda: sender.stats.delivered == 20, interval=0.001)
    await h.hub.stop()
    again = await hub_factory(webhook_yaml(receiver.url))
    incident = await again.hub.incidents.raise_incident("panic", source="after")
    await wait_for(lambda: [s for s in incident.timeline if s.action == ACTION_DELIVERED])
    assert receiver.inner.requests == 21 and receiver.inner.duplicates == 0
    reloaded = await again.hub.incidents.get(incidents[0].id)
    assert [s.action for s in reloaded.timeline] == ["raised", ACTION_DELIVERED]
