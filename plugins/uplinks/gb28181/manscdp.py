"""MANSCDP XML (GB/T 28181 annex A): parse requests in GB2312 or UTF-8, build answers.

Real platforms declare `encoding="GB2312"` (often GBK in practice) and some send UTF-8 with
no declaration; `parse` accepts both. Bodies the hub sends are GB2312-declared and encoded
as GB18030 (a superset: every GB2312 text is the same bytes) so no name is ever lost.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

__all__ = [
    "CONTENT_TYPE",
    "CatalogItem",
    "ManscdpError",
    "ManscdpMessage",
    "build",
    "catalog_pages",
    "parse",
]

CONTENT_TYPE = "Application/MANSCDP+xml"
_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_-]+)["'][^>]*\?>""")
_ROOTS = frozenset({"Query", "Control", "Notify", "Response"})
#: the largest Catalog body per MESSAGE: with the SIP headers (~400 bytes) a message stays
#: inside one 1500-byte Ethernet frame; real platforms and NATs lose fragmented UDP
CATALOG_BODY_MAX = 1000


class ManscdpError(ValueError):
    """A body that is not MANSCDP: bad XML, unknown root, no CmdType/SN."""


@dataclass(slots=True)
class ManscdpMessage:
    """One parsed MANSCDP body: root (Query, Control, ...), CmdType, SN, DeviceID, fields."""

    root: str
    cmd_type: str
    sn: str
    device_id: str
    element: ET.Element = field(repr=False)

    def text(self, path: str, default: str = "") -> str:
        """Return the stripped text at an element path ('Info/AlarmMethod'), or `default`."""
        found = self.element.find(path)
        if found is None or found.text is None:
            return default
        return found.text.strip()


def _decode(body: bytes) -> str:
    match = _DECL.match(body)
    declared = match.group(1).decode().lower() if match else ""
    if declared in ("gb2312", "gbk", "gb18030"):
        candidates = ["gb18030", "utf-8"]
    else:
        candidates = ["utf-8", "gb18030"]
    for codec in candidates:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        return text[match.end():] if match else text
    raise ManscdpError("body is neither UTF-8 nor GB2312/GB18030 text")


def parse(body: bytes) -> ManscdpMessage:
    """Parse a MANSCDP body; raise ManscdpError saying what is missing."""
    text = _decode(body)
    try:
        element = ET.fromstring(text.strip())
    except ET.ParseError as err:
        raise ManscdpError(f"not well-formed XML: {err}") from None
    if element.tag not in _ROOTS:
        raise ManscdpError(f"root element <{element.tag}>, expected one of {sorted(_ROOTS)}")
    msg = ManscdpMessage(element.tag, "", "", "", element)
    msg.cmd_type, msg.sn, msg.device_id = msg.text("CmdType"), msg.text("SN"), msg.text("DeviceID")
    if not msg.cmd_type:
        raise ManscdpError(f"<{element.tag}> has no CmdType")
    if not msg.sn.isdigit():
        raise ManscdpError(f"<{element.tag}> {msg.cmd_type}: SN {msg.sn!r} is not a number")
    return msg


def _add(parent: ET.Element, fields: Sequence[tuple[str, object]]) -> None:
    for name, value in fields:
        if isinstance(value, ET.Element):
            parent.append(value)
        elif value is not None:
            ET.SubElement(parent, name).text = str(value)


def build(root: str, cmd_type: str, sn: int | str, device_id: str,
          fields: Sequence[tuple[str, object]] = (), *, indent: bool = True) -> bytes:
    """Serialise a MANSCDP body: root, CmdType, SN, DeviceID, then `fields` in order."""
    element = ET.Element(root)
    _add(element, [("CmdType", cmd_type), ("SN", sn), ("DeviceID", device_id), *fields])
    if indent:
        ET.indent(element)
    xml = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="GB2312"?>\n' + xml + "\n").encode("gb18030")


def element(tag: str, fields: Sequence[tuple[str, object]] = (),
            attrs: dict[str, str] | None = None) -> ET.Element:
    """Build a nested element (Item, DeviceList, Info) for `build`'s fields."""
    el = ET.Element(tag, attrs or {})
    _add(el, fields)
    return el


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One Catalog entry: the hub itself, a camera, an alarm input or a speaker."""

    device_id: str
    name: str
    parent_id: str
    civil_code: str
    status: str  # "ON" or "OFF"
    manufacturer: str = "Campus Hub"
    model: str = ""
    address: str = ""
    parental: int = 0
    ptz_type: int | None = None  # 1 dome (PTZ), 3 fixed
    event: str | None = None  # in a catalog NOTIFY: ON, OFF, VLOST, DEFECT, ADD, DEL, UPDATE

    def to_element(self) -> ET.Element:
        """The <Item> of this entry (A.2.6.4 catalog fields in the standard's order)."""
        info = None
        if self.ptz_type is not None:
            info = element("Info", [("PTZType", self.ptz_type)])
        return element("Item", [
            ("DeviceID", self.device_id), ("Name", self.name),
            ("Manufacturer", self.manufacturer), ("Model", self.model or "-"),
            ("Owner", "0"), ("CivilCode", self.civil_code), ("Address", self.address or "-"),
            ("Parental", self.parental), ("ParentID", self.parent_id), ("SafetyWay", 0),
            ("RegisterWay", 1), ("Secrecy", 0), ("Status", self.status), ("Info", info),
            ("Event", self.event),
        ])  # fmt: skip


def catalog_pages(sn: int | str, device_id: str, items: Sequence[CatalogItem],
                  max_body: int = CATALOG_BODY_MAX, root: str = "Response") -> Iterator[bytes]:
    """Yield the Catalog bodies (A.2.6.4): as many items as fit in `max_body` bytes each
    (at least one); SumNum is the total in every part, each DeviceList Num its own part."""
    total = len(items)

    def body(page: Sequence[CatalogItem]) -> bytes:
        device_list = ET.Element("DeviceList", {"Num": str(len(page))})
        device_list.extend(item.to_element() for item in page)
        return build(root, "Catalog", sn, device_id,
                     [("SumNum", total), ("DeviceList", device_list)], indent=False)

    if not items:
        yield body([])
        return
    start = 0
    while start < total:
        end, best = start + 1, body(items[start:start + 1])
        while end < total and len(candidate := body(items[start:end + 1])) <= max_body:
            end, best = end + 1, candidate
        yield best
        start = end
