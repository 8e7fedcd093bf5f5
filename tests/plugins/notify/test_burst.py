"""A burst on one channel: messages go concurrently; beyond the robot's rate limit they are
merged into one digest instead of being refused or queued for minutes.

The WeCom double (tests/plugins/notify/doubles.py, written from WeCom's robot docs) refuses
more than 20 sends a minute with errcode 45009, as the documentation says the server does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from hub.notify import EVENT_NOTIFY_SENT, Notification
from hub.notify.component import manager_of
from tests.plugins.notify.doubles import WeComDouble, serve

HubFactory = Callable[..., Any]
KEY = "693a91f6-0000-4bc4-97a0-0ec2burst0aa"


def _yaml(url: str, extra: str = "") -> str:
    return (f"notify:\n  - platform: wecom\n    name: duty\n    key: {KEY}\n"
            f"    base_url: {url}\n{extra}")


async def test_messages_go_concurrently_up_to_the_bound(hub_factory: HubFactory) -> None:
    """Eight messages to a robot answering in 0.1 s: four in flight at once (the configured
    concurrency), never more, all eight delivered in about two round trips."""
    robot = WeComDouble(KEY, delay=0.1)
    async with serve(robot.app()) as url:
        h = await hub_factory(_yaml(url, "    concurrency: 4\n"))
        manager = manager_of(h.hub)
        loop = asyncio.get_running_loop()
        started = loop.time()
        futures = [manager.submit("duty", Notification(f"message {n}")) for n in range(8)]
        await asyncio.gather(*futures)
        took = loop.time() - started
    assert robot.max_in_flight == 4
    assert len(robot.received) == 8
    assert took < 0.1 * 8 * 0.75  # one at a time would take 0.8 s


async def test_a_burst_beyond_the_rate_limit_is_one_digest(hub_factory: HubFactory) -> None:
    """30 messages at once to a WeCom robot (20 a minute): 19 go one by one, the rest as one
    digest in the 20th send, all within a second; none refused by the robot, none lost."""
    robot = WeComDouble(KEY)
    async with serve(robot.app()) as url:
        h = await hub_factory(_yaml(url))
        manager = manager_of(h.hub)
        assert manager.status()[0]["rate_limit"] == {"messages": 20, "per": 60.0,
                                                     "gather": 0.02, "gather_max": 1.0}
        loop = asyncio.get_running_loop()
        started = loop.time()
        futures = [manager.submit("duty", Notification(f"gate {n} alarm", f"Alarm {n}",
                                                       incident_id=f"inc{n}"))
                   for n in range(30)]
        details = await asyncio.gather(*futures)
        took = loop.time() - started
    assert took < 1.0
    assert robot.requests == 20 and len(robot.received) == 20  # no 45009 answer
    last = robot.received[-1]["markdown"]["content"]
    assert last.startswith("### 11 messages at once (merged: the channel allows 20 a minute)")
    assert all(f"Alarm {n}" in last for n in range(19, 30))
    assert sum("in a digest of 11" in d for d in details) == 11
    sent = h.of_type(EVENT_NOTIFY_SENT)
    assert sorted(e.data["incident_id"] for e in sent) == sorted(f"inc{n}" for n in range(30))
    assert manager.status()[0]["digests"] == 1


async def test_while_the_window_is_full_messages_wait_for_it(hub_factory: HubFactory) -> None:
    """With 3 a second: a burst of 5 is 2 + a digest of 3; 4 more arriving while the window
    is full wait until it frees (about a second), then go as 2 + a digest of 2."""
    robot = WeComDouble(KEY)
    async with serve(robot.app()) as url:
        h = await hub_factory(_yaml(url, "    rate_limit: {messages: 3, per: 1}\n"))
        manager = manager_of(h.hub)
        loop = asyncio.get_running_loop()
        first = [manager.submit("duty", Notification(f"a{n}")) for n in range(5)]
        await asyncio.gather(*first)
        started = loop.time()
        later = [manager.submit("duty", Notification(f"b{n}")) for n in range(4)]
        await asyncio.gather(*later)
        waited = loop.time() - started
    contents = [r["markdown"]["content"] for r in robot.received]
    assert contents[:2] == ["a0", "a1"] and contents[3:5] == ["b0", "b1"]
    assert contents[2].startswith("### 3 messages at once") and "a4" in contents[2]
    assert contents[5].startswith("### 2 messages at once") and "b3" in contents[5]
    assert 0.8 < waited < 1.5


async def test_each_platform_keeps_its_documented_rate_limit(hub_factory: HubFactory) -> None:
    """DingTalk and WeCom robots: 20 a minute by default; a webhook: none unless set."""
    h = await hub_factory(
        "notify:\n"
        "  - {platform: dingtalk, name: ding, access_token: a1b2c3d4e5f6a7b8c9d0,"
        " base_url: 'http://127.0.0.1:9'}\n"
        f"  - {{platform: wecom, name: wecom, key: {KEY}, base_url: 'http://127.0.0.1:9',"
        " rate_limit: {messages: 10, per: 60}}\n"
        "  - {platform: webhook, name: hook, url: 'http://127.0.0.1:9/x',"
        " secret: 0123456789abcdef0123}\n")
    limits = {s["name"]: s["rate_limit"] for s in manager_of(h.hub).status()}
    assert limits["ding"] == {"messages": 20, "per": 60.0, "gather": 0.02, "gather_max": 1.0}
    assert limits["wecom"]["messages"] == 10
    assert limits["hook"] is None
