"""SOAP 1.2 envelope parsing and building for the ONVIF camera simulator."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
CONTENT_TYPE = "application/soap+xml; charset=utf-8"

NS = {
    "s": SOAP_ENV,
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tr2": "http://www.onvif.org/ver20/media/wsdl",
    "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "tmd": "http://www.onvif.org/ver10/deviceIO/wsdl",
    "tev": "http://www.onvif.org/ver10/events/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
    "wsnt": "http://docs.oasis-open.org/wsn/b-2",
    "wstop": "http://docs.oasis-open.org/wsn/t-1",
    "wsa": "http://www.w3.org/2005/08/addressing",
    "tns1": "http://www.onvif.org/ver10/topics",
    "ter": "http://www.onvif.org/ver10/error",
    "wsrf-rw": "http://docs.oasis-open.org/wsrf/rw-2",
    "wsse": ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"),
    "wsu": ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"),
    "xs": "http://www.w3.org/2001/XMLSchema",
}

_XMLNS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())


class SoapParseError(ValueError):
    """The request body is not a SOAP envelope we can read."""


@dataclass(frozen=True, slots=True)
class SoapRequest:
    """One parsed SOAP request: the operation element and the header."""

    operation: str
    namespace: str
    body: ET.Element
    header: ET.Element | None
    message_id: str | None
    target: str = ""  # path parameter, e.g. the subscription id

    def find_text(self, path: str, default: str | None = None) -> str | None:
        """Text of the first element matching `path` (prefixes from NS) under the body."""
        element = self.body.find(path, NS)
        if element is None or element.text is None:
            return default
        return element.text.strip()


def qname(prefix: str, local: str) -> str:
    """Clark notation `{uri}local` for a prefix of NS."""
    return f"{{{NS[prefix]}}}{local}"


def parse_request(data: bytes) -> SoapRequest:
    """Parse a SOAP 1.2 (or 1.1) envelope; raise SoapParseError when unreadable."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        raise SoapParseError(f"not XML: {err}") from err
    if not root.tag.endswith("}Envelope"):
        raise SoapParseError(f"root element is {root.tag}, expected Envelope")
    env_ns = root.tag[1 : root.tag.index("}")]
    body = root.find(f"{{{env_ns}}}Body")
    if body is None or len(body) == 0:
        raise SoapParseError("no Body or empty Body")
    operation = body[0]
    namespace, _, local = operation.tag[1:].partition("}")
    header = root.find(f"{{{env_ns}}}Header")
    message_id = None
    if header is not None:
        mid = header.find("wsa:MessageID", NS)
        message_id = mid.text if mid is not None else None
    return SoapRequest(local, namespace, operation, header, message_id)


def envelope(body: str, header: str = "") -> str:
    """A SOAP 1.2 envelope declaring every namespace of NS."""
    head = f"<s:Header>{header}</s:Header>" if header else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<s:Envelope {_XMLNS}>{head}'
        f"<s:Body>{body}</s:Body></s:Envelope>"
    )


def fault(code: str, subcode: str, reason: str, detail: str = "") -> str:
    """A SOAP 1.2 fault envelope (code s:Sender or s:Receiver, subcode like ter:NotAuthorized)."""
    sub = f"<s:Subcode><s:Value>{subcode}</s:Value></s:Subcode>" if subcode else ""
    det = f"<s:Detail>{detail}</s:Detail>" if detail else ""
    return envelope(
        f"<s:Fault><s:Code><s:Value>{code}</s:Value>{sub}</s:Code>"
        f'<s:Reason><s:Text xml:lang="en">{escape(reason)}</s:Text></s:Reason>{det}</s:Fault>'
    )


def text(value: object) -> str:
    """XML-escape a value for element content or attributes."""
    return escape(str(value), {'"': "&quot;"})


def boolean(value: bool) -> str:
    """xs:boolean spelling."""
    return "true" if value else "false"
