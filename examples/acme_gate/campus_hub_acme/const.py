"""Constants of the ACME example plugin."""

from typing import Final, TypedDict

DOMAIN: Final = "acme"
SERVICE_PRESS: Final = "press"
EVENT_ACME_BUTTON_PRESSED: Final = "acme_button_pressed"


class AcmeButtonPressed(TypedDict):
    """Payload of `acme_button_pressed`."""

    entity_id: str
