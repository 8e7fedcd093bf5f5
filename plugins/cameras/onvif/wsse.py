"""Raw SOAP 1.2 with a WS-UsernameToken header, for services onvif-zeep-async ships no WSDL for."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import xml.etree.ElementTree as ET

import aiohttp

from .errors import OnvifAuthError, OnvifError, OnvifFault, OnvifUnavailable

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)


def security_header(username: str, password: str, offset: dt.timedelta | None = None) -> str:
    """A wsse:Security header with a PasswordDigest UsernameToken (offset: camera clock skew)."""
    nonce = os.urandom(16)
    created = (dt.datetime.now(dt.UTC) + (offset or dt.timedelta())).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hashlib.sha1(nonce + created.encode() + password.encode()).digest()
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" s:mustUnderstand="true">'
        f"<wsse:UsernameToken><wsse:Username>{_escape(username)}</wsse:Username>"
        f'<wsse:Password Type="{DIGEST}">{base64.b64encode(digest).decode()}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def soap_call(
    session: aiohttp.ClientSession, url: str, body: str, namespaces: dict[str, str],
    username: str, password: str, timeout: float,
) -> ET.Element:  # fmt: skip
    """POST one SOAP 1.2 request; return the first element of the reply Body."""
    decl = " ".join(f'xmlns:{p}="{u}"' for p, u in namespaces.items())
    header = security_header(username, password)
    envelope = (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP_ENV}" {decl}>'
        f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )
    headers = {"Content-Type": "application/soap+xml; charset=utf-8"}
    try:
        async with session.post(
            url, data=envelope.encode(), headers=headers, timeout=aiohttp.ClientTimeout(timeout)
        ) as resp:
            payload = await resp.read()
    except TimeoutError as err:
        raise OnvifUnavailable(f"{url}: no answer within {timeout:g} s") from err
    except aiohttp.ClientError as err:
        raise OnvifUnavailable(f"{url}: {err}") from err
    try:
        root = ET.fromstring(payload)
    except ET.ParseError as err:
        raise OnvifError(f"{url}: malformed SOAP ({err})") from err
    reply = root.find(f"{{{SOAP_ENV}}}Body")
    if reply is None or len(reply) == 0:
        raise OnvifError(f"{url}: SOAP reply without Body")
    first = reply[0]
    if first.tag == f"{{{SOAP_ENV}}}Fault":
        reason = " ".join(t.strip() for t in first.itertext() if t.strip())
        if "NotAuthorized" in reason:
            raise OnvifAuthError(f"{url}: not authorized")
        raise OnvifFault(f"{url}: SOAP fault {reason}")
    return first
