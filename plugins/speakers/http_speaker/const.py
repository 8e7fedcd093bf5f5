"""Constants of the http_speaker plugin."""

from typing import Final

DOMAIN: Final = "http_speaker"
