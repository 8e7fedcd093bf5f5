"""Automation and schedule config errors: every problem at once, with file:line and field path."""

from __future__ import annotations

from pathlib import Path

from hub.config import load_config
from hub.plugins import PluginRegistry

from .conftest import config_problems

BROKEN = """\
schedules:
  school:
    hours:
      monday: ["07:30-12:00"]
      tue: ["08:00-07:00x"]
    holidays:
      - {start: 2026-10-07, end: 2026-10-01}
automation:
  - id: one
    trigger:
      - platform: state
        entity_id: gate.main
        for: soon-ish
      - platform: nosuch
    action:
      - action: gate
  - id: one
    trigger: {platform: time_pattern, minutes: "/99"}
    condition:
      - condition: schedule
        inside: nowhere
      - "{{ states('gate.main' }}"
    action:
      - delay: 5
      - frobnicate: true
"""



def test_every_error_with_line_and_path(tmp_path: Path) -> None:
    """Each broken field is reported with its line and path like automation[0].trigger[1]."""
    problems = config_problems(tmp_path, BROKEN)
    expected = [
        ("4: schedules.school.hours.monday: unknown weekday 'monday'"),
        ("5: schedules.school.hours.tue: expected a time of day"),
        ("7: schedules.school.holidays[0]: end is before start"),
        ("13: automation[0].trigger[0].for: expected a duration"),
        ("14: automation[0].trigger[1].platform: unknown trigger platform 'nosuch'; "
         "expected one of state, event, incident, time, time_pattern, face, webhook"),
        ("16: automation[0].action[0].action: expected a service like gate.open"),
        ("18: automation[1].trigger[0].minutes: '/n' needs n from 1 to 59"),
        ("22: automation[1].condition[1].value_template: template syntax error"),
        ("25: automation[1].action[1]: each action needs one of"),
    ]
    assert len(problems) == len(expected), "\n".join(problems)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), f"{problem!r} does not start with {start!r}"


def test_unknown_schedule_and_duplicate_id(tmp_path: Path) -> None:
    """An automation naming a missing schedule, or reusing an id, is a config error."""
    problems = config_problems(tmp_path, """\
        schedules:
          school:
            hours: {mon-fri: ["07:30-17:00"]}
        automation:
          - id: a
            trigger:
              platform: state
              entity_id: sensor.guard
              to: absent
              for: {schedule: duty, minutes: 10}
            action: {event: x}
          - id: a
            trigger: {platform: event, event_type: x}
            condition: {condition: schedule, outside: holidays}
            action: {event: y}
        """)
    assert problems == [
        "10: automation[0].trigger[0].for: unknown schedule 'duty'. "
        "Hint: schedules defined in the schedules section: school",
        "12: automation[1].id: id 'a' is used by automation[0]. Hint: give each automation an id",
        "14: automation[1].condition[0].outside: unknown schedule 'holidays'. "
        "Hint: schedules defined in the schedules section: school",
    ]


def test_yaml_booleans_are_caught(tmp_path: Path) -> None:
    """`id: yes` (a YAML 1.1 boolean) is reported rather than silently turned into True."""
    problems = config_problems(tmp_path, """\
        automation:
          - id: yes
            trigger: {platform: event, event_type: x}
            action: {event: y}
        """)
    assert problems == ["2: automation[0].id: Input should be a valid string (got True)"]


def test_valid_example_config(tmp_path: Path) -> None:
    """config/example.yaml's schedules and automations validate."""
    config_dir = Path(__file__).resolve().parents[3] / "config"
    # The example reads passwords with !secret: use the shipped secrets template beside it.
    (tmp_path / "site.yaml").write_text((config_dir / "example.yaml").read_text())
    (tmp_path / "secrets.yaml").write_text((config_dir / "secrets.yaml.example").read_text())
    registry = PluginRegistry()
    registry.load_entry_points()
    config = load_config(tmp_path / "site.yaml", registry.config_models(),
                         uplinks=registry.uplink_models(), notifiers=registry.notify_models())
    assert [n.platform for n in config.sections["notify"]] == ["wecom"]
    assert {d.platform for d in config.devices} >= {"onvif", "modbus_io", "modbus_barrier"}
    assert [u.type for u in config.sections["uplinks"]] == ["webhook"]
    assert config.sections["automation"].root
    assert "school_hours" in config.sections["schedules"].root
