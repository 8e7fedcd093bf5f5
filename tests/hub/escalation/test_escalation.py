"""Escalation: steps at their times while nobody acknowledges; all stop at acknowledgement.

The clock is driven (hub.testing.FakeClock); the gate speaker is the simulated IP speaker,
the siren the relay of the simulated Modbus IO module, the duty channel the WeCom robot
double, the police the reference webhook receiver.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub import Context, Incident
from hub.escalation.component import ESCALATION
from hub.exceptions import ConfigError
from hub.incidents import Priority
from hub.testing import FakeClock, HubHarness, wait_for, wait_for_state
from simulators.modbus import IOModuleSimulator
from simulators.speaker import SpeakerSimulator
from tests.hub.escalation.conftest import gate_yaml
from tests.hub.uplinks.receiver import FaultyReceiver, webhook_entry
from tests.plugins.notify.doubles import WeComDouble

HubFactory = Callable[..., Any]


def escalated(incident: Incident) -> list[tuple[int, str]]:
    """The (step index, kind) of each escalation step on the timeline, in order."""
    return [(s.data["step"], s.data["kind"]) for s in incident.timeline
            if s.action == "escalated"]


async def started(hub_factory: HubFactory, yaml: str) -> tuple[HubHarness, FakeClock]:
    """Build a hub, give it a driven clock, start it, wait for the speaker."""
    h: HubHarness = await hub_factory(yaml, start=False)
    clock = FakeClock()
    h.hub.clock = clock
    await h.hub.start()
    await wait_for_state(h.hub, "speaker.gate_speaker", "idle")
    await wait_for_state(h.hub, "alarm.panic_1", "idle")
    return h, clock


async def test_default_panic_escalation_runs_at_its_times_and_stops_at_ack(
    hub_factory: HubFactory, io_module: IOModuleSimulator, speaker: SpeakerSimulator,
    robot: tuple[WeComDouble, str],
) -> None:
    """Unacknowledged panic: nothing before 60 s; at 60 s siren, announcement and the duty
    list; acknowledged at 90 s: the 120 s steps never run and the siren still goes off."""
    double, url = robot
    h, clock = await started(hub_factory, gate_yaml(speaker.url, url, io_module.port))
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1",
                                                    gate="north")
    await clock.advance(59)
    assert escalated(incident) == [] and not speaker.played and not double.received
    await clock.advance(1)
    await wait_for(lambda: len(escalated(incident)) == 3)
    assert escalated(incident) == [(1, "siren"), (2, "broadcast"), (3, "notify")]
    siren = h.hub.states.get("switch.gate_siren")
    assert io_module.relay and siren is not None and siren.state == "on"
    assert speaker.played[0].kind == "audio"
    await wait_for(lambda: double.received)
    content = double.received[0]["markdown"]["content"]
    assert "Panic alarm not acknowledged" in content and "not acknowledged after 60 s" in content
    assert f"https://hub.example.org/#/incidents/{incident.id}" in content
    await wait_for(lambda: any(s.action == "escalation_notified" for s in incident.timeline))
    await clock.advance(30)
    await h.hub.services.call("incident", "acknowledge", {"incident_id": incident.id},
                              Context(user_id="guard-anna"))
    assert incident.id not in h.hub.components[ESCALATION].active
    await clock.advance(120)
    assert [k for _i, k in escalated(incident)] == ["siren", "broadcast", "notify"]
    await wait_for(lambda: not io_module.relay)  # after its 30 s
    assert len(double.received) == 1 and len(speaker.played) == 2  # one broadcast, repeat 2


async def test_custom_script_priority_and_forward_to_police(
    hub_factory: HubFactory, io_module: IOModuleSimulator, speaker: SpeakerSimulator,
    robot: tuple[WeComDouble, str], police: FaultyReceiver,
) -> None:
    """An intrusion (not sent to the police by its filter) is forwarded by its escalation,
    after its priority was raised; each step on the timeline with its index and time."""
    _double, url = robot
    extra = ("uplinks:\n" + webhook_entry(police.url, categories="[panic]") + """\
incidents:
  categories:
    intrusion:
      escalation:
        - delay: "00:00:20"
        - priority: critical
        - delay: {seconds: 40}
        - forward: city_police
""")
    h, clock = await started(hub_factory, gate_yaml(speaker.url, url, io_module.port, extra))
    incident = await h.hub.incidents.raise_incident("intrusion", source="camera.fence")
    assert incident.priority == Priority.HIGH
    await clock.advance(20)
    await wait_for(lambda: incident.priority == Priority.CRITICAL)
    step = next(s for s in incident.timeline if s.action == "escalated")
    assert (step.data["priority_from"], step.data["priority_to"], step.actor) == (2, 1,
                                                                                  "escalation")
    assert not police.messages
    await clock.advance(40)
    await wait_for(lambda: police.messages)
    message = police.messages[-1]
    assert message["incident"]["id"] == incident.id and message["incident"]["priority"] == 1
    assert escalated(incident) == [(1, "priority"), (3, "forward")]


async def test_pending_steps_recomputed_after_a_restart(
    hub_factory: HubFactory, io_module: IOModuleSimulator, speaker: SpeakerSimulator,
    robot: tuple[WeComDouble, str], tmp_path: Path,
) -> None:
    """A hub stopped after the 60 s steps resumes the stored panic: the 60 s steps are not
    repeated, the 120 s steps run at 120 s after the incident was raised."""
    double, url = robot
    yaml = gate_yaml(speaker.url, url, io_module.port)
    h, clock = await started(hub_factory, yaml)
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1",
                                                    gate="north")
    await clock.advance(60)
    await wait_for(lambda: len(escalated(incident)) == 3)
    await wait_for(lambda: any(s.action == "escalation_notified" for s in incident.timeline))
    await h.hub.stop()

    h2, clock2 = await started(hub_factory, yaml)
    clock2.offset = clock.offset  # the same wall time as when the first hub stopped
    stored = await h2.hub.incidents.get(incident.id)
    assert [k for _i, k in escalated(stored)] == ["siren", "broadcast", "notify"]
    assert incident.id in h2.hub.components[ESCALATION].active
    await clock2.advance(59)
    assert len(escalated(stored)) == 3
    await clock2.advance(1)
    await wait_for(lambda: len(escalated(stored)) == 6)
    assert escalated(stored)[3:] == [(5, "siren"), (6, "broadcast"), (7, "forward")]
    assert len(double.received) == 1  # the duty list was told once, not again
    assert escalated(stored)[5][1] == "forward"
    forward = [s for s in stored.timeline if s.action == "escalated"][5]
    assert forward.data["error"] == "no uplinks are configured"


async def test_check_config_names_file_and_line(hub_factory: HubFactory) -> None:
    """A step with two actions, an unknown option, an unknown channel: each with its line."""
    with pytest.raises(ConfigError) as err:
        await hub_factory("""\
incidents:
  categories:
    panic:
      escalation:
        - delay: 30
          notify: duty
        - notfy: duty
        - delay: "soon"
""")
    text = str(err.value)
    assert ("site.yaml:5: incidents.categories.panic.escalation[0]: Value error, each step "
            "has exactly one of delay") in text
    assert "site.yaml:7: incidents.categories.panic.escalation[1].notfy: unknown option" in text
    assert "site.yaml:8: incidents.categories.panic.escalation[2]" in text
    assert "expected seconds, HH:MM:SS" in text
    with pytest.raises(ConfigError) as err:
        await hub_factory("""\
incidents:
  categories:
    intrusion:
      escalation:
        - delay: 30
        - notify: pagers
        - forward: [city]
""")
    text = str(err.value)
    assert ("site.yaml:6: incidents.categories.intrusion.escalation[1].notify.channel[0]: "
            "unknown notify channel 'pagers'. Hint: notify: defines: none") in text
    assert ("site.yaml:7: incidents.categories.intrusion.escalation[2].forward.uplinks[0]: "
            "unknown uplink 'city'. Hint: uplinks: defines: none") in text


async def test_watchlist_default_and_test_incidents(hub_factory: HubFactory) -> None:
    """A watch-list match goes critical after 120 s by default (a notify step without channels
    says so on the timeline); a test incident never escalates."""
    h: HubHarness = await hub_factory("hub: {}\n", start=False)
    clock = FakeClock()
    h.hub.clock = clock
    await h.hub.start()
    match = await h.hub.incidents.raise_incident("watchlist_match", source="camera.gate/p1")
    drill = await h.hub.incidents.raise_incident("panic", source="alarm.p", test=True)
    assert match.priority == Priority.HIGH
    await clock.advance(120)
    await wait_for(lambda: match.priority == Priority.CRITICAL)
    notify = next(s for s in match.timeline if s.action == "escalated")
    assert notify.data["kind"] == "notify"
    assert notify.data["error"] == "no notify channel is configured"
    await clock.advance(600)
    assert not escalated(drill)
    assert drill.id not in h.hub.components[ESCALATION].active


def _forget_steps_blocking(db: Path, incident_id: str, actions: tuple[str, ...]) -> int:
    """Delete these steps of an incident and renumber the rest, as if never stored."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        marks = ",".join("?" * len(actions))
        gone = conn.execute(f"DELETE FROM incident_steps WHERE incident_id = ? AND action IN "
                            f"({marks})", (incident_id, *actions)).rowcount
        rows = conn.execute("SELECT id FROM incident_steps WHERE incident_id = ? ORDER BY seq",
                            (incident_id,)).fetchall()
        for seq, (row_id,) in enumerate(rows):
            conn.execute("UPDATE incident_steps SET seq = ? WHERE id = ?", (seq, row_id))
    return gone


async def test_steps_run_again_after_a_crash_tell_nobody_twice(
    hub_factory: HubFactory, io_module: IOModuleSimulator, speaker: SpeakerSimulator,
    robot: tuple[WeComDouble, str], police: FaultyReceiver, tmp_path: Path,
) -> None:
    """A hub that dies after running steps but before storing them runs them again: the
    duty list is not told twice, the police get no second forward, the siren sounds again
    (deliberately: a repeated siren beats a lost one).

    The crash is made by deleting the stored `escalated` steps (and the notify outcome)
    from the stopped hub's database: the state a kill between acting and storing leaves.
    """
    double, url = robot
    extra = ("uplinks:\n" + webhook_entry(police.url, categories="[intrusion]") + """\
incidents:
  categories:
    panic:
      escalation:
        - delay: 10
        - forward: city_police
        - notify: duty_phones
        - siren: {seconds: 0}
""")
    yaml = gate_yaml(speaker.url, url, io_module.port, extra)
    h, clock = await started(hub_factory, yaml)
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1",
                                                    gate="north")
    await clock.advance(10)
    await wait_for(lambda: len(escalated(incident)) == 3 and any(
        s.action == "escalation_notified" for s in incident.timeline))
    await wait_for(lambda: police.messages and io_module.relay)
    forwarded = len(police.messages)
    await h.hub.stop()
    io_module.relay = False  # the siren went quiet while the hub was down
    gone = await asyncio.to_thread(_forget_steps_blocking, tmp_path / "var" / "campus-hub.db",
                                   incident.id, ("escalated", "escalation_notified"))
    assert gone == 4

    h2, clock2 = await started(hub_factory, yaml)
    clock2.offset = clock.offset
    await clock2.advance(1)  # the steps' time passed while the hub was down
    stored = await h2.hub.incidents.get(incident.id)
    await wait_for(lambda: len(escalated(stored)) == 3)
    await wait_for(lambda: io_module.relay)  # sounded again
    await asyncio.sleep(0.3)  # anything sent twice would arrive by now
    assert len(double.received) == 1
    assert len(police.messages) == forwarded
    steps = {s.data["kind"]: s.data for s in stored.timeline if s.action == "escalated"}
    assert steps["notify"]["already_sent"] == ["duty_phones"]
    assert steps["forward"]["skipped"] == "already forwarded"
    assert len([s for s in stored.timeline if s.action == "forward"]) == 1


async def test_a_siren_left_on_by_a_restart_goes_off_at_its_time(
    hub_factory: HubFactory, io_module: IOModuleSimulator, speaker: SpeakerSimulator,
    robot: tuple[WeComDouble, str],
) -> None:
    """A siren step of 30 s; the hub stops 10 s into it (the relay stays energised). The
    restarted hub switches it off at 30 s, not never, and notes it on the timeline."""
    _double, url = robot
    extra = """\
incidents:
  categories:
    panic:
      escalation: [{delay: 5}, {siren: {seconds: 30}}]
"""
    yaml = gate_yaml(speaker.url, url, io_module.port, extra)
    h, clock = await started(hub_factory, yaml)
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1",
                                                    gate="north")
    await clock.advance(5)
    await wait_for(lambda: io_module.relay and escalated(incident) == [(1, "siren")])
    await clock.advance(10)
    await h.hub.stop()
    assert io_module.relay  # nobody switched it off

    h2, clock2 = await started(hub_factory, yaml)
    clock2.offset = clock.offset
    await clock2.advance(19)
    assert io_module.relay
    await clock2.advance(1)
    await wait_for(lambda: not io_module.relay)
    stored = await h2.hub.incidents.get(incident.id)
    await wait_for(lambda: any(s.action == "escalation_siren_off" for s in stored.timeline))


async def test_a_police_hit_escalates_like_a_watch_list_match(
    hub_factory: HubFactory, io_module: IOModuleSimulator, speaker: SpeakerSimulator,
    robot: tuple[WeComDouble, str],
) -> None:
    """The GA/T 1400 plugin's police_hit category: unacknowledged, the duty list is told
    after 2 min and the priority raised, the gate announces at 5 min; no forward step."""
    double, url = robot
    h, clock = await started(hub_factory, gate_yaml(speaker.url, url, io_module.port))
    incident = await h.hub.incidents.raise_incident("police_hit", source="camera.gate",
                                                    gate="north")
    await clock.advance(119)
    assert escalated(incident) == []
    await clock.advance(1)
    await wait_for(lambda: len(escalated(incident)) == 2 and double.received)
    assert incident.priority == Priority.CRITICAL
    await clock.advance(180)
    await wait_for(lambda: len(escalated(incident)) == 3)
    assert [k for _i, k in escalated(incident)] == ["notify", "priority", "broadcast"]
