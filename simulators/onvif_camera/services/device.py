"""Device management service (tds): identity, clock, capabilities, services, network."""

from __future__ import annotations

from ..events import now_utc
from ..soap import NS, SoapRequest, boolean, text
from ..state import DeviceContext
from .base import Handler


async def get_device_information(ctx: DeviceContext, req: SoapRequest) -> str:
    """Manufacturer, model, firmware, serial, hardware id."""
    c = ctx.config
    return (
        "<tds:GetDeviceInformationResponse>"
        f"<tds:Manufacturer>{text(c.manufacturer)}</tds:Manufacturer>"
        f"<tds:Model>{text(c.model)}</tds:Model>"
        f"<tds:FirmwareVersion>{text(c.firmware)}</tds:FirmwareVersion>"
        f"<tds:SerialNumber>{text(c.serial)}</tds:SerialNumber>"
        f"<tds:HardwareId>{text(c.hardware_id)}</tds:HardwareId>"
        "</tds:GetDeviceInformationResponse>"
    )


def _datetime_xml() -> str:
    n = now_utc()
    return (
        f"<tt:Time><tt:Hour>{n.hour}</tt:Hour><tt:Minute>{n.minute}</tt:Minute>"
        f"<tt:Second>{n.second}</tt:Second></tt:Time>"
        f"<tt:Date><tt:Year>{n.year}</tt:Year><tt:Month>{n.month}</tt:Month>"
        f"<tt:Day>{n.day}</tt:Day></tt:Date>"
    )


async def get_system_date_and_time(ctx: DeviceContext, req: SoapRequest) -> str:
    """The camera clock in UTC (the ONVIF pre-auth call)."""
    stamp = _datetime_xml()
    return (
        "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
        "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
        "<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>"
        f"<tt:UTCDateTime>{stamp}</tt:UTCDateTime><tt:LocalDateTime>{stamp}</tt:LocalDateTime>"
        "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
    )


async def get_capabilities(ctx: DeviceContext, req: SoapRequest) -> str:
    """The top-level capabilities (pre-GetServices devices rely on this)."""
    ptz = f"<tt:PTZ><tt:XAddr>{ctx.xaddr('ptz')}</tt:XAddr></tt:PTZ>" if ctx.config.ptz else ""
    inputs = ctx.config.digital_inputs
    return (
        "<tds:GetCapabilitiesResponse><tds:Capabilities>"
        f"<tt:Device><tt:XAddr>{ctx.xaddr('device')}</tt:XAddr>"
        f"<tt:IO><tt:InputConnectors>{inputs}</tt:InputConnectors>"
        f"<tt:RelayOutputs>{ctx.config.relay_outputs}</tt:RelayOutputs></tt:IO></tt:Device>"
        f"<tt:Events><tt:XAddr>{ctx.xaddr('events')}</tt:XAddr>"
        "<tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>"
        "<tt:WSPullPointSupport>true</tt:WSPullPointSupport>"
        "<tt:WSPausableSubscriptionManagerInterfaceSupport>false"
        "</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>"
        f"<tt:Media><tt:XAddr>{ctx.xaddr('media')}</tt:XAddr><tt:StreamingCapabilities>"
        "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>"
        "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>"
        f"{ptz}</tds:Capabilities></tds:GetCapabilitiesResponse>"
    )


def _service(namespace: str, xaddr: str, major: int) -> str:
    return (
        f"<tds:Service><tds:Namespace>{namespace}</tds:Namespace><tds:XAddr>{xaddr}</tds:XAddr>"
        f"<tds:Version><tt:Major>{major}</tt:Major><tt:Minor>0</tt:Minor></tds:Version>"
        "</tds:Service>"
    )


async def get_services(ctx: DeviceContext, req: SoapRequest) -> str:
    """Every service namespace with its address."""
    rows = [
        _service(NS["tds"], ctx.xaddr("device"), 2),
        _service(NS["trt"], ctx.xaddr("media"), 2),
        _service(NS["tev"], ctx.xaddr("events"), 2),
    ]
    if ctx.config.media2:
        rows.append(_service(NS["tr2"], ctx.xaddr("media2"), 2))
    if ctx.config.ptz:
        rows.append(_service(NS["tptz"], ctx.xaddr("ptz"), 2))
    if ctx.config.relay_outputs:
        rows.append(_service(NS["tmd"], ctx.xaddr("deviceio"), 2))
    return f"<tds:GetServicesResponse>{''.join(rows)}</tds:GetServicesResponse>"


async def get_scopes(ctx: DeviceContext, req: SoapRequest) -> str:
    """The ONVIF scopes (type, name, hardware, location, manufacturer)."""
    items = "".join(
        f"<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>{text(s)}</tt:ScopeItem>"
        "</tds:Scopes>"
        for s in ctx.config.scopes
    )
    return f"<tds:GetScopesResponse>{items}</tds:GetScopesResponse>"


async def get_network_interfaces(ctx: DeviceContext, req: SoapRequest) -> str:
    """One interface with the MAC address (HA uses it as the unique id)."""
    return (
        '<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0">'
        "<tt:Enabled>true</tt:Enabled><tt:Info><tt:Name>eth0</tt:Name>"
        f"<tt:HwAddress>{text(ctx.config.mac)}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>"
        "<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual>"
        f"<tt:Address>{text(ctx.config.host)}</tt:Address><tt:PrefixLength>8</tt:PrefixLength>"
        "</tt:Manual><tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4>"
        "</tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>"
    )


async def get_hostname(ctx: DeviceContext, req: SoapRequest) -> str:
    """Hostname derived from the camera name."""
    name = ctx.config.name.lower().replace(" ", "-")
    return (
        f"<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>{boolean(False)}"
        f"</tt:FromDHCP><tt:Name>{text(name)}</tt:Name></tds:HostnameInformation>"
        "</tds:GetHostnameResponse>"
    )


HANDLERS: dict[str, Handler] = {
    "GetDeviceInformation": get_device_information,
    "GetSystemDateAndTime": get_system_date_and_time,
    "GetCapabilities": get_capabilities,
    "GetServices": get_services,
    "GetScopes": get_scopes,
    "GetNetworkInterfaces": get_network_interfaces,
    "GetHostname": get_hostname,
}
