"""Config errors of repeat, parallel, sequence and templated durations: file:line and path."""

from __future__ import annotations

import textwrap
from pathlib import Path

from hub.config import load_config
from hub.plugins import PluginRegistry

from .conftest import config_problems

BROKEN = """\
automation:
  - id: flows
    trigger:
      - platform: state
        entity_id: gate.main
        for: "{{ 5 "
    action:
      - repeat:
          count: 3
          while: "{{ true }}"
          sequence: {event: x}
      - repeat:
          count: -1
          sequence: {event: x}
      - repeat:
          for_each: [a]
      - repeat:
          until: "{{ false }}"
          sequence:
            - frobnicate: true
      - parallel: []
      - parallel:
          - sequence:
              - delay: soon
          - event: ok
      - delay: {secs: "{{ 1 }}"}
      - wait_for_trigger: {platform: event, event_type: x}
        timeout: "{{ 1 "
      - repeat:
          count: "{{ n }}"
          sequence: {event: x}
          extra: 1
      - repeat:
          count: 10001
          sequence: []
      - sequence:
          - delay: "{{ 1 "
"""



def test_flow_errors_name_line_and_path(tmp_path: Path) -> None:
    """Each broken repeat, parallel, sequence or duration field is reported at its line with a
    path such as automation[0].action[5].parallel[0].sequence[0].delay."""
    problems = config_problems(tmp_path, BROKEN)
    expected = [
        "6: automation[0].trigger[0].for: template syntax error",
        "8: automation[0].action[0].repeat: give exactly one of count, while, until, for_each "
        "(got count, while)",
        "13: automation[0].action[1].repeat.count: expected 0 to 10000, got -1",
        "15: automation[0].action[2].repeat.sequence: Field required",
        "20: automation[0].action[3].repeat.sequence[0]: each action needs one of: action "
        "(a service call), delay, wait_for_trigger, wait_template, choose, if, condition, stop, "
        "event, variables, repeat, parallel, sequence",
        "21: automation[0].action[4].parallel: Value should have at least 1 item",
        "24: automation[0].action[5].parallel[0].sequence[0].delay: expected a duration",
        "26: automation[0].action[6].delay: a duration mapping takes days, hours, minutes, "
        "seconds, milliseconds; unknown: secs",
        "28: automation[0].action[7].timeout: template syntax error",
        "32: automation[0].action[8].repeat.extra: unknown option",
        "34: automation[0].action[9].repeat.count: expected 0 to 10000, got 10001",
        "37: automation[0].action[10].sequence[0].delay: template syntax error",
    ]
    assert len(problems) == len(expected), "\n".join(problems)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), f"{problem!r} does not start with {start!r}"


def test_unknown_schedule_inside_repeat_and_parallel(tmp_path: Path) -> None:
    """Schedules named in a repeat's while/until or inside parallel branches must exist."""
    problems = config_problems(
        tmp_path,
        """\
        schedules:
          school:
            hours: {mon-fri: ["07:30-17:00"]}
        automation:
          - id: a
            trigger: {platform: event, event_type: x}
            action:
              - repeat:
                  while:
                    - condition: schedule
                      inside: lessons
                  sequence: {event: y}
              - parallel:
                  - sequence:
                      - condition: schedule
                        outside: holidays
                  - repeat:
                      until: {condition: schedule, inside: school}
                      sequence:
                        - condition: schedule
                          inside: breaks
        """,
    )
    hint = "Hint: schedules defined in the schedules section: school"
    assert problems == [
        f"11: automation[0].action[0].repeat.while[0].inside: unknown schedule 'lessons'. {hint}",
        f"16: automation[0].action[1].parallel[0].sequence[0].outside: unknown schedule "
        f"'holidays'. {hint}",
        f"21: automation[0].action[1].parallel[1].repeat.sequence[0].inside: unknown schedule "
        f"'breaks'. {hint}",
    ]


def test_flow_config_that_is_valid(tmp_path: Path) -> None:
    """Every form of repeat, parallel and templated duration validates."""
    path = tmp_path / "site.yaml"
    path.write_text(
        textwrap.dedent("""\
        automation:
          - id: ok
            trigger:
              platform: state
              entity_id: gate.main
              to: open
              for: {minutes: "{{ 2 }}", seconds: 5}
            action:
              - repeat: {count: "{{ 2 }}", sequence: {event: a}}
              - repeat: {for_each: "{{ [1, 2] }}", sequence: {event: a}}
              - repeat: {for_each: single, sequence: [{event: a}]}
              - repeat: {while: "{{ false }}", sequence: []}
              - repeat: {until: [{condition: state, entity_id: gate.main, state: open}],
                         sequence: [{delay: "00:00:{{ 1 }}"}]}
              - parallel: {event: a}
              - parallel: [{delay: 0}, {sequence: [{event: a}, {event: b}]}]
              - wait_for_trigger: {platform: event, event_type: x}
                timeout: {seconds: "{{ 3 }}"}
        """)
    )
    registry = PluginRegistry()
    registry.load_entry_points()
    config = load_config(path, registry.config_models())
    actions = config.sections["automation"].root[0].action
    assert [type(a).__name__ for a in actions] == [
        "RepeatAction",
        "RepeatAction",
        "RepeatAction",
        "RepeatAction",
        "RepeatAction",
        "ParallelAction",
        "ParallelAction",
        "WaitForTriggerAction",
    ]
    assert actions[2].repeat.for_each == ["single"]  # HA's ensure_list
