"""WeCom and DingTalk group robots end to end: a real hub, the robots' doubles on 127.0.0.1.

The doubles (tests/plugins/notify/doubles.py) are written from WeCom's and DingTalk's public
robot API documentation: they check the key or token, DingTalk's signature and time window,
the message types and WeCom's byte limits, and answer with the documented errcodes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from hub.exceptions import ServiceValidationError
from hub.notify.component import manager_of
from hub.testing import wait_for
from tests.plugins.notify.doubles import DingTalkDouble, WeComDouble, serve

HubFactory = Callable[..., Any]
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "a1b2c3d4e5f6a7b8c9d0"
DING_SECRET = "SEC0123456789abcdef0123456789abcdef"
FAST = "    retry: {max_attempts: 4, initial_delay: 0.01, max_delay: 0.05}\n"


def _wecom_yaml(url: str, key: str = WECOM_KEY, extra: str = "") -> str:
    return (f"notify:\n  - platform: wecom\n    name: duty_wecom\n    key: {key}\n"
            f"    base_url: {url}\n{FAST}{extra}")


def _ding_yaml(url: str, extra: str = "") -> str:
    return (f"notify:\n  - platform: dingtalk\n    name: duty_ding\n"
            f"    access_token: {DING_TOKEN}\n    base_url: {url}\n{FAST}{extra}")


async def test_wecom_markdown_is_the_documented_payload(hub_factory: HubFactory) -> None:
    """notify.duty_wecom sends {"msgtype": "markdown", "markdown": {"content"}}; errcode 0."""
    robot = WeComDouble(WECOM_KEY)
    async with serve(robot.app()) as url:
        h = await hub_factory(_wecom_yaml(url))
        answer = await h.hub.services.call("notify", "duty_wecom", {
            "title": "Panic alarm", "message": "North gate: panic button pressed",
            "wait": True})
        assert answer == {"channel": "duty_wecom", "sent": True, "detail": "errcode 0"}
    assert robot.received == [{"msgtype": "markdown", "markdown": {
        "content": "### Panic alarm\nNorth gate: panic button pressed"}}]
    status = manager_of(h.hub).status()[0]
    assert (status["state"], status["sent"], status["failed"]) == ("ok", 1, 0)


async def test_wecom_text_mentions_the_duty_phones_and_fits_2048_bytes(
    hub_factory: HubFactory,
) -> None:
    """A text message mentions the duty phones and is cut to 2048 bytes, never mid-character."""
    robot = WeComDouble(WECOM_KEY)
    async with serve(robot.app()) as url:
        h = await hub_factory(_wecom_yaml(url, extra="    format: text\n"
                                          "    mention_mobiles: ['13800001111']\n"))
        await h.hub.services.call("notify", "duty_wecom", {
            "message": "校门报警" * 400, "wait": True})  # 4,800 bytes of Chinese
    text = robot.received[0]["text"]
    assert text["mentioned_mobile_list"] == ["13800001111"]
    assert len(text["content"].encode()) <= 2048 and text["content"].endswith("…")
    assert text["content"].startswith("校门报警")


async def test_wecom_rate_limit_is_retried_then_sent(hub_factory: HubFactory) -> None:
    """errcode 45009 (over 20 a minute) is retried with backoff; the third attempt lands."""
    robot = WeComDouble(WECOM_KEY, busy=2)
    async with serve(robot.app()) as url:
        h = await hub_factory(_wecom_yaml(url))
        await h.hub.services.call("notify", "duty_wecom", {"message": "test", "wait": True})
    assert robot.requests == 3 and len(robot.received) == 1
    sent = h.of_type("notify_sent")
    assert sent[0].data["attempts"] == 3 and sent[0].data["channel"] == "duty_wecom"


async def test_wecom_bad_key_is_auth_failed_and_never_logged(
    hub_factory: HubFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """errcode 93000 is not retried; the channel shows auth_failed; the key is in no log."""
    robot = WeComDouble("some-other-key-0000")
    caplog.set_level(logging.DEBUG)
    async with serve(robot.app()) as url:
        h = await hub_factory(_wecom_yaml(url))
        with pytest.raises(ServiceValidationError, match="errcode 93000"):
            await h.hub.services.call("notify", "duty_wecom", {"message": "x", "wait": True})
    assert robot.requests == 1
    status = manager_of(h.hub).status()[0]
    assert status["state"] == "auth_failed" and "93000" in status["last_error"]
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("hub", "plugins"))]
    assert any("93000" in line for line in ours)  # the failure is logged, the key is not
    assert not any(WECOM_KEY in line for line in ours) and WECOM_KEY not in str(status)
    assert h.of_type("notify_failed")[0].data["attempts"] == 1


async def test_dingtalk_signed_markdown_mentions(hub_factory: HubFactory) -> None:
    """Signed mode: the double accepts our timestamp+sign; mentions carry @number in the text."""
    robot = DingTalkDouble(DING_TOKEN, secret=DING_SECRET)
    async with serve(robot.app()) as url:
        h = await hub_factory(_ding_yaml(url, f"    secret: {DING_SECRET}\n"
                                         "    mention_mobiles: ['13800001111']\n"))
        await h.hub.services.call("notify", "duty_ding", {
            "title": "Panic alarm", "message": "North gate", "wait": True})
    assert robot.received == [{
        "msgtype": "markdown",
        "markdown": {"title": "Panic alarm", "text": "### Panic alarm\nNorth gate\n@13800001111"},
        "at": {"atMobiles": ["13800001111"], "isAtAll": False}}]
    assert set(robot.queries[0]) == {"access_token", "timestamp", "sign"}


async def test_dingtalk_wrong_secret_refused_as_auth(hub_factory: HubFactory) -> None:
    """A sign made with the wrong secret gets errcode 310000: auth_failed, no retry."""
    robot = DingTalkDouble(DING_TOKEN, secret=DING_SECRET)
    async with serve(robot.app()) as url:
        h = await hub_factory(_ding_yaml(url, "    secret: SECwrongwrongwrongwrong\n"))
        with pytest.raises(ServiceValidationError, match="310000"):
            await h.hub.services.call("notify", "duty_ding", {"message": "x", "wait": True})
    assert len(robot.queries) == 1 and not robot.received
    status = manager_of(h.hub).status()[0]
    assert status["state"] == "auth_failed" and status["signed"] is True
    assert DING_TOKEN not in str(status) and "SECwrong" not in str(status)


async def test_dingtalk_keyword_mode_and_too_fast(hub_factory: HubFactory) -> None:
    """Keyword mode: the keyword is added when missing; 130101 (too fast) is retried."""
    robot = DingTalkDouble(DING_TOKEN, keyword="校园安全", too_fast=1)
    async with serve(robot.app()) as url:
        h = await hub_factory(_ding_yaml(url, "    keyword: 校园安全\n    format: text\n"))
        await h.hub.services.call("notify", "duty_ding", {
            "message": "Gate camera offline", "mention_all": True, "wait": True})
    body = robot.received[0]
    assert body["msgtype"] == "text" and body["at"] == {"atMobiles": [], "isAtAll": True}
    assert body["text"]["content"] == "校园安全 Gate camera offline"
    assert len(robot.queries) == 2


async def test_service_without_wait_queues_and_delivers(hub_factory: HubFactory) -> None:
    """The plain service call returns at once; the message arrives afterwards."""
    robot = WeComDouble(WECOM_KEY)
    async with serve(robot.app()) as url:
        h = await hub_factory(_wecom_yaml(url))
        answer = await h.hub.services.call("notify", "duty_wecom", {"message": "later"})
        assert answer == {"channel": "duty_wecom", "queued": True}
        await wait_for(lambda: robot.received)
