"""The platform's controls (GB/T 28181-2016 9.3, A.2.3) and ConfigDownload (A.2.4.7).

DeviceControl: PTZCmd -> the camera (moves, stop, presets 0x81-0x83); AlarmCmd ResetAlarm
-> alarm.reset; GuardCmd SetGuard/ResetGuard -> whether this platform is sent the alarms
of a channel (or of every channel, for the hub's own ID): the hub's own alarm handling
(siren, guards, other uplinks) is never switched off from outside; TeleBoot -> refused
(the hub does not reboot on a platform's command). DeviceConfig BasicParam: Name,
Expiration, HeartBeatInterval and HeartBeatCount applied to this uplink at once, until the
hub restarts (the YAML keeps the lasting values). Each is answered Result OK or ERROR.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from . import manscdp
from .ptz import PtzCommandError, decode_ptz

if TYPE_CHECKING:
    from .device import Channel, Gb28181Device

_LOGGER = logging.getLogger(__name__)

__all__ = ["Controls"]

#: BasicParam fields the platform may set: element -> (lowest, highest)
_LIMITS = {"Expiration": (1, 86400), "HeartBeatInterval": (1, 3600),
           "HeartBeatCount": (1, 20)}  # fmt: skip


class Controls:
    """DeviceControl, DeviceConfig and ConfigDownload for one device."""

    def __init__(self, device: Gb28181Device) -> None:
        self.device = device
        #: channel IDs whose alarms this platform asked not to be sent (ResetGuard; on the
        #: hub's own ID: every channel and the hub)
        self.disarmed: set[str] = set()

    def armed(self, channel_id: str) -> bool:
        """Whether an alarm of this channel goes to the platform (GuardCmd)."""
        return channel_id not in self.disarmed

    def _result(self, msg: manscdp.ManscdpMessage, result: str) -> bytes:
        return manscdp.build("Response", msg.cmd_type, msg.sn, msg.device_id,
                             [("Result", result)])

    async def device_control(self, msg: manscdp.ManscdpMessage) -> list[bytes]:
        """Answer one DeviceControl."""
        for element, handler in (("PTZCmd", self._ptz), ("AlarmCmd", self._alarm),
                                 ("GuardCmd", self._guard), ("TeleBoot", self._teleboot)):
            if msg.text(element):
                return [self._result(msg, await handler(msg))]
        _LOGGER.info("GB28181: DeviceControl for %s with nothing the hub does: ERROR",
                     msg.device_id)
        return [self._result(msg, "ERROR")]

    def _target(self, msg: manscdp.ManscdpMessage) -> tuple[bool, Channel | None]:
        """(known, channel): the hub's own ID is known with no channel."""
        channel = self.device.channel(msg.device_id)
        return channel is not None or msg.device_id == self.device.device_id, channel

    async def _ptz(self, msg: manscdp.ManscdpMessage) -> str:
        channel = self.device.channel(msg.device_id)
        try:
            command = decode_ptz(msg.text("PTZCmd"))
            if channel is None or channel.kind != "camera":
                raise PtzCommandError(f"{msg.device_id} is not a camera of this hub")
            await self.device.actions.ptz(channel, command)
        except Exception as err:
            _LOGGER.info("GB28181: PTZ on %s refused: %s", msg.device_id, err)
            return "ERROR"
        return "OK"

    async def _alarm(self, msg: manscdp.ManscdpMessage) -> str:
        known, channel = self._target(msg)
        if msg.text("AlarmCmd") != "ResetAlarm" or not known:
            _LOGGER.info("GB28181: AlarmCmd %r on %s refused", msg.text("AlarmCmd"),
                         msg.device_id)
            return "ERROR"
        try:
            await self.device.actions.reset_alarm(channel)
        except Exception as err:
            _LOGGER.info("GB28181: alarm reset on %s refused: %s", msg.device_id, err)
            return "ERROR"
        if channel is None:
            self.device.alarmed.clear()
        else:
            self.device.alarmed.discard(channel.id)
        return "OK"

    async def _guard(self, msg: manscdp.ManscdpMessage) -> str:
        command = msg.text("GuardCmd")
        known, channel = self._target(msg)
        if command not in ("SetGuard", "ResetGuard") or not known:
            _LOGGER.info("GB28181: GuardCmd %r on %s refused", command, msg.device_id)
            return "ERROR"
        ids = [msg.device_id]
        if channel is None:  # the hub itself: every channel
            ids += [c.id for c in self.device.channels()]
        if command == "SetGuard":
            self.disarmed.difference_update(ids)
        else:
            self.disarmed.update(ids)
        _LOGGER.info("GB28181: the platform %s the alarms of %s", "armed" if command ==
                     "SetGuard" else "disarmed (stops being sent)", msg.device_id)
        self.device.actions.audit("gb28181.guard", channel,
                                  {"command": command, "device_id": msg.device_id})
        return "OK"

    async def _teleboot(self, msg: manscdp.ManscdpMessage) -> str:
        _LOGGER.warning("GB28181: the platform asked %s to reboot (TeleBoot %s): refused, "
                        "the hub does not reboot on a platform's command", msg.device_id,
                        msg.text("TeleBoot"))
        self.device.actions.audit("gb28181.teleboot_refused", self.device.channel(
            msg.device_id), {"device_id": msg.device_id})
        return "ERROR"

    async def device_config(self, msg: manscdp.ManscdpMessage) -> list[bytes]:
        """DeviceConfig: BasicParam applied as a whole, or nothing of it (ERROR)."""
        basic = msg.element.find("BasicParam")
        if msg.device_id != self.device.device_id or basic is None:
            _LOGGER.info("GB28181: DeviceConfig for %s without a BasicParam of the hub: "
                         "ERROR", msg.device_id)
            return [self._result(msg, "ERROR")]
        values: dict[str, int] = {}
        for name, (low, high) in _LIMITS.items():
            text = msg.text(f"BasicParam/{name}")
            if not text:
                continue
            if not text.isdigit() or not low <= int(text) <= high:
                _LOGGER.info("GB28181: DeviceConfig BasicParam/%s %r is not %d-%d: ERROR",
                             name, text, low, high)
                return [self._result(msg, "ERROR")]
            values[name] = int(text)
        name = msg.text("BasicParam/Name")
        if name:
            self.device.name = name
        self.device.registrar.reconfigure(
            expires=values.get("Expiration"),
            keepalive_interval=values.get("HeartBeatInterval"),
            keepalive_misses=values.get("HeartBeatCount"))  # fmt: skip
        changed: dict[str, object] = dict(values)
        if name:
            changed["Name"] = name
        _LOGGER.info("GB28181: the platform set %s", changed)
        self.device.actions.audit("gb28181.config", None, {"BasicParam": changed})
        return [self._result(msg, "OK")]

    def config_download(self, msg: manscdp.ManscdpMessage) -> list[bytes]:
        """ConfigDownload: the BasicParam (never the password); other types are not kept."""
        wanted = {t.strip() for t in msg.text("ConfigType").split("/") if t.strip()}
        if msg.device_id != self.device.device_id or "BasicParam" not in wanted:
            _LOGGER.info("GB28181: ConfigDownload %s for %s: only the hub's BasicParam is "
                         "answered", sorted(wanted), msg.device_id)
            return [self._result(msg, "ERROR")]
        reg = self.device.registrar.settings
        host, port = self.device.endpoint.remote
        basic = manscdp.element("BasicParam", [
            ("Name", self.device.name), ("DeviceID", self.device.device_id),
            ("SIPServerID", reg.platform_id), ("SIPServerIP", host), ("SIPServerPort", port),
            ("DomainName", reg.domain), ("Expiration", reg.expires),
            ("HeartBeatInterval", round(reg.keepalive_interval)),
            ("HeartBeatCount", reg.keepalive_misses)])  # fmt: skip
        return [manscdp.build("Response", "ConfigDownload", msg.sn, msg.device_id,
                              [("Result", "OK"), ("BasicParam", basic)])]
