"""PTZCmd (GB/T 28181 annex A.3): the 8-byte front-end control command, in hex.

byte 1 0xA5; byte 2 version (high nibble) and check nibble ((b1>>4 + b1&15 + b2>>4) % 16);
byte 3 address low 8 bits; byte 4 the command; bytes 5, 6 pan and tilt speed (0-255), or
for presets byte 6 the preset number; byte 7 zoom speed (high nibble) and address high
nibble; byte 8 the sum of bytes 1-7 modulo 256. Command bits (byte 4, top two bits 00):
0x01 right, 0x02 left, 0x04 down, 0x08 up, 0x10 zoom in (tele), 0x20 zoom out (wide);
0x00 stop. 0x81 set preset, 0x82 go to preset, 0x83 delete preset.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PtzCommand", "PtzCommandError", "decode_ptz", "encode_ptz"]

SET_PRESET, CALL_PRESET, DELETE_PRESET = 0x81, 0x82, 0x83


class PtzCommandError(ValueError):
    """A PTZCmd that is not 8 well-formed bytes."""


@dataclass(frozen=True, slots=True)
class PtzCommand:
    """A decoded command: a move (velocities in [-1, 1]), a stop, or a preset action."""

    action: str  # "move", "stop", "set_preset", "call_preset", "delete_preset", "other"
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    preset: int | None = None
    address: int = 0
    code: int = 0


def _checksum(data: bytes) -> int:
    return sum(data[:7]) & 0xFF


def decode_ptz(hex_text: str) -> PtzCommand:
    """Decode a PTZCmd hex string; raise PtzCommandError naming the bad byte."""
    try:
        data = bytes.fromhex(hex_text.strip())
    except ValueError:
        raise PtzCommandError(f"PTZCmd {hex_text!r} is not hexadecimal") from None
    if len(data) != 8:
        raise PtzCommandError(f"PTZCmd has {len(data)} bytes, expected 8")
    if data[0] != 0xA5:
        raise PtzCommandError(f"PTZCmd byte 1 is {data[0]:#04x}, expected 0xa5")
    check = ((data[0] >> 4) + (data[0] & 0x0F) + (data[1] >> 4)) % 16
    if data[1] & 0x0F != check:
        raise PtzCommandError(f"PTZCmd byte 2 check nibble {data[1] & 15}, expected {check}")
    if data[7] != _checksum(data):
        raise PtzCommandError(f"PTZCmd checksum {data[7]:#04x}, expected {_checksum(data):#04x}")
    address = data[2] | ((data[6] & 0x0F) << 8)
    code = data[3]
    if code in (SET_PRESET, CALL_PRESET, DELETE_PRESET):
        action = {SET_PRESET: "set_preset", CALL_PRESET: "call_preset",
                  DELETE_PRESET: "delete_preset"}[code]
        return PtzCommand(action, preset=data[5], address=address, code=code)
    if code & 0xC0:
        return PtzCommand("other", address=address, code=code)  # focus/iris, cruise, scan
    if code & 0x3F == 0:
        return PtzCommand("stop", address=address, code=code)
    pan_speed, tilt_speed, zoom_speed = data[4] / 255, data[5] / 255, (data[6] >> 4) / 15
    pan = pan_speed if code & 0x01 else -pan_speed if code & 0x02 else 0.0
    tilt = -tilt_speed if code & 0x04 else tilt_speed if code & 0x08 else 0.0
    zoom = zoom_speed if code & 0x10 else -zoom_speed if code & 0x20 else 0.0
    return PtzCommand("move", pan=pan, tilt=tilt, zoom=zoom, address=address, code=code)


def encode_ptz(code: int, pan_speed: int = 0, tilt_speed: int = 0, zoom_speed: int = 0,
               address: int = 0) -> str:
    """Encode a command as a platform does (the test platform double uses it)."""
    b1, b2 = 0xA5, 0x00
    b2 |= ((b1 >> 4) + (b1 & 0x0F) + (b2 >> 4)) % 16
    data = bytes([b1, b2, address & 0xFF, code, pan_speed & 0xFF, tilt_speed & 0xFF,
                  ((zoom_speed & 0x0F) << 4) | ((address >> 8) & 0x0F)])
    return (data + bytes([_checksum(data)])).hex().upper()
