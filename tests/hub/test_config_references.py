"""check-config checks references: entities and schedules a section names must exist."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub.cli import main

ROOT = Path(__file__).resolve().parents[2]

DEVICES = """\
devices:
  - platform: modbus_barrier
    name: Main barrier
    model: simgate_b100
    host: 127.0.0.1
  - platform: onvif
    name: Gate camera
    host: 127.0.0.1
    username: u
    password: p
  - platform: modbus_io
    name: Gate IO
    host: 127.0.0.1
    cameras: [camera.gate_camera]
    inputs:
      - {name: Panic, address: 0, category: panic, cameras: [camera.lobby]}
    registers:
      - {name: passes, address: 0}
schedules:
  school_hours:
    hours: {mon-fri: ["07:00-18:00"]}
"""


def _check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "site.yaml"
    path.write_text(text)
    code = main(["check-config", str(path)])
    return code, capsys.readouterr().out


def test_example_config_passes_with_its_own_entities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """config/example.yaml names only entities its own devices create."""
    shutil.copy(ROOT / "config" / "example.yaml", tmp_path / "site.yaml")
    shutil.copy(ROOT / "config" / "secrets.yaml.example", tmp_path / "secrets.yaml")
    assert main(["check-config", str(tmp_path / "site.yaml")]) == 0, capsys.readouterr().out


def test_unknown_entities_are_errors_with_line_and_known_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Automation targets, state triggers, face cameras, incident cameras: file:line + names."""
    code, out = _check(tmp_path, DEVICES + """\
automation:
  - id: close
    trigger:
      - platform: state
        entity_id: [gate.main_barrier, gate.side_door]
      - platform: face
        camera: camera.front
    condition:
      - condition: state
        entity_id: alarm.panik
        state: "on"
    action:
      - action: gate.close
        target: {entity_id: gate.main_entrance}
      - action: switch.turn_on
        target: {entity_id: switch.gate_camera_relay_1}
      - action: automation.turn_off
        target: {entity_id: automation.close}
""", capsys)
    assert code == 1
    lines = out.splitlines()
    assert (f"{tmp_path}/site.yaml:26: automation[0].trigger[0].entity_id[1]: no device "
            "creates 'gate.side_door'. Hint: entities the devices create: gate.main_barrier"
            ) in lines
    assert any(line.startswith(f"{tmp_path}/site.yaml:28: automation[0].trigger[1].camera[0]: "
                               "no device creates 'camera.front'") and "camera.gate_camera" in line
               for line in lines), out
    assert any(":31: automation[0].condition[0].entity_id[0]: no device creates 'alarm.panik'"
               in line and "alarm.panic" in line for line in lines), out
    assert any(":35: automation[0].action[0].target.entity_id: no device creates "
               "'gate.main_entrance'" in line for line in lines), out
    assert any(":16: devices[2].inputs[0].cameras[0]: no device creates 'camera.lobby'"
               in line for line in lines), out
    # a relay the camera reports at run time, the automation's own entity and a good id pass
    assert "gate_camera_relay_1" not in out and "automation.close" not in out
    assert "'gate.main_barrier'" not in out
    assert lines[-1] == f"5 problem(s) in {tmp_path}/site.yaml"


def test_recognition_cameras_and_duty_schedule_must_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A recognition camera, the guard-room camera and the duty schedule are checked."""
    code, out = _check(tmp_path, DEVICES + """\
recognition:
  cameras:
    - {entity_id: camera.gate_camera}
    - {entity_id: camera.main_entrance}
  guard:
    camera: camera.guard_room
    schedule: guard_duty
""", capsys)
    assert code == 1, out
    assert "recognition.cameras[1].entity_id: no device creates 'camera.main_entrance'" in out
    assert "recognition.guard.camera: no device creates 'camera.guard_room'" in out
    assert ("recognition.guard.schedule: unknown schedule 'guard_duty'. Hint: schedules "
            "defined: school_hours") in out
    assert "camera.gate_camera'" not in out


def test_references_that_exist_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same devices with references to what they create: valid."""
    code, out = _check(tmp_path, DEVICES.replace("camera.lobby", "camera.gate_camera") + """\
automation:
  - trigger: {platform: state, entity_id: alarm.panic}
    action:
      - action: gate.open
        target: {entity_id: "{{ 'gate.' ~ 'anything' }}"}
      - action: gate.close
        target: {entity_id: gate.main_barrier}
""", capsys)
    assert code == 0, out
