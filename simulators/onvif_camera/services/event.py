"""Event service (tev) and PullPoint subscription manager (wsnt): pull, renew, unsubscribe."""

from __future__ import annotations

import asyncio
import datetime as dt

from ..events import (
    DIALECT,
    TOPIC_INPUT,
    TOPIC_MOTION,
    TOPIC_TAMPER,
    Subscription,
    iso,
    now_utc,
    parse_termination,
)
from ..soap import SoapRequest
from ..state import DeviceContext
from .base import Handler, SoapFaultError

DEFAULT_TERMINATION = dt.timedelta(seconds=60)
MAX_PULL_WAIT = 30.0


def _description(source: tuple[tuple[str, str], ...], data: str) -> str:
    items = "".join(f'<tt:SimpleItemDescription Name="{n}" Type="{t}"/>' for n, t in source)
    return (
        '<tt:MessageDescription IsProperty="true">'
        f"<tt:Source>{items}</tt:Source><tt:Data>"
        f'<tt:SimpleItemDescription Name="{data}" Type="xs:boolean"/></tt:Data>'
        "</tt:MessageDescription>"
    )


def _topic_tree(topic: str, description: str) -> str:
    parts = topic.removeprefix("tns1:").split("/")
    opening = "".join(f"<tns1:{p}>" if i == 0 else f"<{p}>" for i, p in enumerate(parts))
    leaf = parts[-1]
    opening = opening.replace(f"<{leaf}>", f'<{leaf} wstop:topic="true">', 1)
    closing = "".join(
        f"</tns1:{p}>" if i == 0 else f"</{p}>" for i, p in reversed(list(enumerate(parts)))
    )
    return f"{opening}{description}{closing}"


async def get_event_properties(ctx: DeviceContext, req: SoapRequest) -> str:
    """The topic set: motion, tamper (global scene change) and digital inputs."""
    topics = (
        _topic_tree(
            TOPIC_MOTION,
            _description(
                (("VideoSourceConfigurationToken", "tt:ReferenceToken"), ("Rule", "xs:string")),
                "IsMotion",
            ),
        )
        + _topic_tree(TOPIC_TAMPER, _description((("Source", "tt:ReferenceToken"),), "State"))
        + _topic_tree(
            TOPIC_INPUT, _description((("InputToken", "tt:ReferenceToken"),), "LogicalState")
        )
    )
    return (
        "<tev:GetEventPropertiesResponse>"
        "<tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml"
        "</tev:TopicNamespaceLocation><wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>"
        f"<wstop:TopicSet>{topics}</wstop:TopicSet>"
        f"<wsnt:TopicExpressionDialect>{DIALECT}</wsnt:TopicExpressionDialect>"
        "<tev:MessageContentFilterDialect>http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter"
        "</tev:MessageContentFilterDialect>"
        "<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd"
        "</tev:MessageContentSchemaLocation></tev:GetEventPropertiesResponse>"
    )


async def create_pull_point_subscription(ctx: DeviceContext, req: SoapRequest) -> str:
    """A new subscription, primed with the current values."""
    termination = parse_termination(
        req.find_text("tev:InitialTerminationTime"), DEFAULT_TERMINATION
    )
    sub = ctx.events.subscribe(termination)
    address = f"{ctx.xaddr('subscription')}/{sub.sid}"
    return (
        "<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>"
        f"<wsa:Address>{address}</wsa:Address></tev:SubscriptionReference>"
        f"<wsnt:CurrentTime>{iso(now_utc())}</wsnt:CurrentTime>"
        f"<wsnt:TerminationTime>{iso(sub.termination)}</wsnt:TerminationTime>"
        "</tev:CreatePullPointSubscriptionResponse>"
    )


def _subscription(ctx: DeviceContext, req: SoapRequest) -> Subscription:
    sub = ctx.events.get(req.target)
    if sub is None:
        raise SoapFaultError("s:Sender", "wsrf-rw:ResourceUnknownFault", "unknown subscription")
    return sub


def _seconds(duration: str | None, default: float) -> float:
    if not duration:
        return default
    delta = parse_termination(duration, dt.timedelta(seconds=default)) - now_utc()
    return max(0.0, delta.total_seconds())


async def pull_messages(ctx: DeviceContext, req: SoapRequest) -> str:
    """Wait up to Timeout for messages, then return up to MessageLimit of them."""
    sub = _subscription(ctx, req)
    wait = min(_seconds(req.find_text("tev:Timeout"), 10.0), MAX_PULL_WAIT)
    limit = int(req.find_text("tev:MessageLimit") or 100)
    messages: list[str] = []
    if sub.queue.empty():
        try:
            async with asyncio.timeout(wait):
                messages.append(await sub.queue.get())
        except TimeoutError:
            pass
    while len(messages) < limit and not sub.queue.empty():
        messages.append(sub.queue.get_nowait())
    return (
        f"<tev:PullMessagesResponse><tev:CurrentTime>{iso(now_utc())}</tev:CurrentTime>"
        f"<tev:TerminationTime>{iso(sub.termination)}</tev:TerminationTime>"
        f"{''.join(messages)}</tev:PullMessagesResponse>"
    )


async def renew(ctx: DeviceContext, req: SoapRequest) -> str:
    """Extend the subscription."""
    sub = _subscription(ctx, req)
    sub.termination = parse_termination(req.find_text("wsnt:TerminationTime"), DEFAULT_TERMINATION)
    return (
        f"<wsnt:RenewResponse><wsnt:TerminationTime>{iso(sub.termination)}</wsnt:TerminationTime>"
        f"<wsnt:CurrentTime>{iso(now_utc())}</wsnt:CurrentTime></wsnt:RenewResponse>"
    )


async def unsubscribe(ctx: DeviceContext, req: SoapRequest) -> str:
    """Drop the subscription."""
    sub = _subscription(ctx, req)
    ctx.events.subscriptions.pop(sub.sid, None)
    return "<wsnt:UnsubscribeResponse/>"


async def set_synchronization_point(ctx: DeviceContext, req: SoapRequest) -> str:
    """Queue every current value again."""
    ctx.events.synchronize(_subscription(ctx, req))
    return "<tev:SetSynchronizationPointResponse/>"


HANDLERS: dict[str, Handler] = {
    "GetEventProperties": get_event_properties,
    "CreatePullPointSubscription": create_pull_point_subscription,
}

SUBSCRIPTION_HANDLERS: dict[str, Handler] = {
    "PullMessages": pull_messages,
    "Renew": renew,
    "Unsubscribe": unsubscribe,
    "SetSynchronizationPoint": set_synchronization_point,
}
