"""Constants of the onvif plugin: domain, config defaults, event names and payloads."""

from __future__ import annotations

from typing import Final, TypedDict

DOMAIN: Final = "onvif"
PLATFORM: Final = "onvif"

EVENT_MOTION_CHANGED: Final = "onvif_motion_changed"
EVENT_TAMPER_CHANGED: Final = "onvif_tamper_changed"
EVENT_INPUT_CHANGED: Final = "onvif_input_changed"

ATTR_MOTION: Final = "motion"
ATTR_TAMPER: Final = "tamper"
ATTR_INPUTS: Final = "inputs"

INCIDENT_TAMPER: Final = "tamper"
#: Any device announcing an ONVIF type scope is a candidate for this plugin.
ONVIF_SCOPE: Final = "onvif://www.onvif.org/type/"
#: mDNS type the simulator (and some vendors) advertise ONVIF devices under.
ZEROCONF_TYPE: Final = "_onvif._tcp.local."


class CameraEventData(TypedDict):
    """Payload of onvif_motion_changed, onvif_tamper_changed and onvif_input_changed."""

    entity_id: str
    source: str
    value: bool
    topic: str
