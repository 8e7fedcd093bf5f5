"""The repeat action: count, while, until, for_each, the `repeat` variable, its limit, its trace."""

from __future__ import annotations

from hub.automation.config_actions import REPEAT_LIMIT

from .conftest import Site, fired, run_automation


def _round(name: str) -> str:
    """Return an event action (flow style) carrying the repeat variable's values."""
    values = (
        "index: '{{ repeat.index }}', first: '{{ repeat.first }}', "
        "last: \"{{ repeat.last | default('none') }}\""
    )
    return "{event: " + name + ", event_data: {" + values + "}}"



async def test_count_fixed_and_templated(site: Site) -> None:
    """count runs the sequence N times (N may be a template); repeat.index is 1-based and
    repeat.first / repeat.last mark the ends."""
    h = await site(f"""
        automation:
          - id: three
            trigger: {{platform: event, event_type: never}}
            action:
              - repeat:
                  count: 3
                  sequence:
                    - {_round("round")}
          - id: templated
            variables: {{times: 2}}
            trigger: {{platform: event, event_type: never}}
            action:
              - repeat:
                  count: "{{{{ times * 1 }}}}"
                  sequence:
                    - event: templated_round
                      event_data: {{index: "{{{{ repeat.index }}}}"}}
        """)
    trace = await run_automation(h, "three", timeout=10.0)
    assert trace["result"] == "finished"
    assert fired(h, "round") == [
        {"index": 1, "first": True, "last": False},
        {"index": 2, "first": False, "last": False},
        {"index": 3, "first": False, "last": True},
    ]
    assert trace["steps"][-1]["result"] == {"iterations": 3}
    assert "repeat" not in trace["variables"]  # only defined inside the sequence
    await run_automation(h, "templated", timeout=10.0)
    assert fired(h, "templated_round") == [{"index": 1}, {"index": 2}]


async def test_for_each_list_and_template(site: Site) -> None:
    """for_each runs once per item (a list, items may be templates, or a template giving a
    list) with repeat.item; repeat.last is true on the last item."""
    h = await site("""
        automation:
          - id: gates
            variables: {extra: side}
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  for_each: [main, "{{ extra }}", {name: north}]
                  sequence:
                    - event: item
                      event_data: {item: "{{ repeat.item }}", last: "{{ repeat.last }}"}
              - repeat:
                  for_each: "{{ ['a', 'b'] }}"
                  sequence:
                    - event: templated_item
                      event_data: {item: "{{ repeat.item }}"}
        """)
    trace = await run_automation(h, "gates", timeout=10.0)
    assert trace["result"] == "finished", trace
    assert fired(h, "item") == [
        {"item": "main", "last": False},
        {"item": "side", "last": False},
        {"item": {"name": "north"}, "last": True},
    ]
    assert fired(h, "templated_item") == [{"item": "a"}, {"item": "b"}]


async def test_while_and_until(site: Site) -> None:
    """while tests before each round (it may run none); until tests after each (at least one);
    repeat.last is not defined for them."""
    h = await site(f"""
        automation:
          - id: loops
            variables: {{limit: 3}}
            trigger: {{platform: event, event_type: never}}
            action:
              - repeat:
                  while: "{{{{ repeat.index <= limit }}}}"
                  sequence:
                    - {_round("while_round")}
              - repeat:
                  while:
                    - condition: state
                      entity_id: gate.side
                      state: open
                  sequence: {{event: never_runs}}
              - repeat:
                  until:
                    - "{{{{ repeat.index >= 2 }}}}"
                  sequence:
                    - {_round("until_round")}
        """)
    trace = await run_automation(h, "loops", timeout=10.0)
    assert trace["result"] == "finished", trace
    assert [e["index"] for e in fired(h, "while_round")] == [1, 2, 3]
    assert {e["last"] for e in fired(h, "while_round")} == {"none"}
    assert fired(h, "never_runs") == []
    assert [(e["index"], e["first"]) for e in fired(h, "until_round")] == [(1, True), (2, False)]
    repeats = [s["result"] for s in trace["steps"] if s["kind"] == "repeat"]
    assert repeats == [{"iterations": 3}, {"iterations": 0}, {"iterations": 2}]


async def test_each_round_is_traced(site: Site) -> None:
    """Each round is an `iteration` step (its repeat values) followed by that round's steps."""
    h = await site("""
        automation:
          - id: traced
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  for_each: [x, y]
                  sequence:
                    - event: tick
        """)
    trace = await run_automation(h, "traced", timeout=10.0)
    steps = [(s["path"], s["kind"], s["result"]) for s in trace["steps"]]
    assert steps[:4] == [
        ("action/0/repeat", "iteration", {"first": True, "index": 1, "last": False, "item": "x"}),
        ("action/0/repeat/sequence/0", "event", {"event": "tick", "event_data": {}}),
        ("action/0/repeat", "iteration", {"first": False, "index": 2, "last": True, "item": "y"}),
        ("action/0/repeat/sequence/0", "event", {"event": "tick", "event_data": {}}),
    ]
    assert steps[4][:2] == ("action/0", "repeat")


async def test_stop_ends_the_run_and_condition_ends_the_round(site: Site) -> None:
    """Inside a repeat, `stop` ends the whole run; a false `condition` step ends only that
    round (HA runs the sequence as a sub-script)."""
    h = await site("""
        automation:
          - id: stops
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  count: 5
                  sequence:
                    - event: before_stop
                    - choose:
                        - conditions: "{{ repeat.index == 2 }}"
                          sequence: {stop: second round is enough}
              - event: after_repeat
          - id: skips
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  count: 4
                  sequence:
                    - condition: template
                      value_template: "{{ repeat.index is even }}"
                    - event: even_round
                      event_data: {index: "{{ repeat.index }}"}
              - event: after_skips
        """)
    stopped = await run_automation(h, "stops", timeout=10.0)
    assert (stopped["result"], stopped["error"]) == ("stopped", "second round is enough")
    assert len(fired(h, "before_stop")) == 2 and fired(h, "after_repeat") == []
    skips = await run_automation(h, "skips", timeout=10.0)
    assert skips["result"] == "finished"
    assert fired(h, "even_round") == [{"index": 2}, {"index": 4}]
    assert len(fired(h, "after_skips")) == 1
    ended = [s["result"].get("ended") for s in skips["steps"] if s["kind"] == "iteration"]
    assert ended == ["condition_failed", None, "condition_failed", None]


async def test_nested_repeat_restores_outer_variable(site: Site) -> None:
    """An inner repeat has its own `repeat`; the outer one's is back after it."""
    h = await site("""
        automation:
          - id: nested
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  count: 2
                  sequence:
                    - repeat:
                        for_each: [a, b]
                        sequence:
                          - event: inner
                            event_data: {item: "{{ repeat.item }}"}
                    - event: outer
                      event_data: {index: "{{ repeat.index }}"}
        """)
    assert (await run_automation(h, "nested", timeout=10.0))["result"] == "finished"
    assert fired(h, "inner") == [{"item": "a"}, {"item": "b"}] * 2
    assert fired(h, "outer") == [{"index": 1}, {"index": 2}]


async def test_endless_loops_stop_at_the_limit(site: Site) -> None:
    """A while that stays true (or an until that stays false) ends the run with a traced error
    after REPEAT_LIMIT rounds instead of spinning forever."""
    h = await site("""
        automation:
          - id: forever
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  while: "{{ true }}"
                  sequence: {variables: {n: "{{ repeat.index }}"}}
              - event: not_reached
          - id: never_done
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  until: "{{ false }}"
                  sequence: []
        """)
    trace = await run_automation(h, "forever", timeout=60)
    assert trace["result"] == "error"
    assert trace["error"] == (
        f"RepeatError: repeat.while: still true after {REPEAT_LIMIT} rounds; the run is stopped"
    )
    assert trace["variables"]["n"] == REPEAT_LIMIT and fired(h, "not_reached") == []
    assert trace["dropped"] > 0  # the trace keeps its first entries, counts the rest
    until = await run_automation(h, "never_done", timeout=60)
    assert until["result"] == "error" and "repeat.until: still false after" in until["error"]


async def test_bad_count_and_for_each_values(site: Site) -> None:
    """A count or for_each template giving the wrong kind of value, or too many rounds, is a
    traced error naming the field."""
    h = await site("""
        automation:
          - id: bad_count
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  count: "{{ 'many' }}"
                  sequence: {event: x}
          - id: huge_count
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  count: "{{ 10 ** 6 }}"
                  sequence: {event: x}
          - id: not_a_list
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  for_each: "{{ 5 }}"
                  sequence: {event: x}
          - id: undefined
            trigger: {platform: event, event_type: never}
            action:
              - repeat:
                  for_each: "{{ nothing_here }}"
                  sequence: {event: x}
        """)
    errors = {
        a: (await run_automation(h, timeout=10.0, automation_id=a))["error"]
        for a in ("bad_count", "huge_count", "not_a_list", "undefined")
    }
    assert errors["bad_count"] == (
        "RepeatError: repeat.count: the template gave 'many', not a whole number of rounds"
    )
    assert errors["huge_count"] == (
        f"RepeatError: repeat.count: 1000000 rounds is over the limit of {REPEAT_LIMIT}"
    )
    assert errors["not_a_list"] == "RepeatError: repeat.for_each: the template gave 5, not a list"
    assert errors["undefined"].startswith("RepeatError: repeat.for_each: ")
    assert "nothing_here" in errors["undefined"]
    assert fired(h, "x") == []
