"""Live view for the police: signed links in uplink messages open one camera and one incident.

Set up whenever uplinks are configured (or `live_view:` is given); `links_for(hub)` returns
the function uplinks call at send time to add fresh links to an incident message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..datadir import private_dirs_blocking
from ..hubkey import LIVE_VIEW
from ..uplinks.message import LinkMaker
from .config import LiveViewConfig
from .signer import LiveViewGrant, LiveViewSigner, TokenError

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["DOMAIN", "LinkMaker", "LiveViewComponent", "LiveViewConfig", "LiveViewGrant",
           "LiveViewSigner", "TokenError", "links_for", "setup"]

DOMAIN = "live_view"
KEY_FILE = "police_live_view.key"


class LiveViewComponent:
    """`hub.components[LIVE_VIEW]`: the signer and the link maker."""

    def __init__(self, hub: Hub, config: LiveViewConfig, signer: LiveViewSigner) -> None:
        self.hub = hub
        self.config = config
        self.signer: LiveViewSigner | None = signer

    def links(self, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """Return a fresh live-view link and signed snapshot links for one incident message."""
        from ..uplinks.message import iso
        from .http import LIVE_PATH

        assert self.signer is not None
        incident = payload["incident"]
        camera = incident["cameras"][0] if incident["cameras"] else None
        token, grant = self.signer.mint(incident["id"], camera)
        base = f"{self.hub.config.core.external_url.rstrip('/')}{LIVE_PATH}/{token}"
        live = {"url": base, "camera": camera, "expires_at": iso(grant.expires_at)}
        return live, {s["id"]: f"{base}/snapshots/{s['id']}.jpg" for s in payload["snapshots"]}


async def setup(hub: Hub, config: LiveViewConfig | None) -> None:
    """Start signing links when uplinks are configured (or the section is given)."""
    if config is None and not hub.config.sections.get("uplinks"):
        return
    config = config or LiveViewConfig()
    if not config.enabled:
        return
    from .http import register_http

    if config.secret is not None:
        key = config.secret.get_secret_value().encode("utf-8")
    else:
        key = await hub.run_blocking(_key_file_blocking, hub.config.data_dir / KEY_FILE)
    component = LiveViewComponent(hub, config, LiveViewSigner(key, config.ttl))
    hub.components[LIVE_VIEW] = component
    register_http(component)


def links_for(hub: Hub) -> LinkMaker | None:
    """Return the link maker, or None when live view is off (messages carry no links)."""
    component = hub.components.get(LIVE_VIEW)
    return component.links if component is not None else None


def _key_file_blocking(path: Path) -> bytes:
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    private_dirs_blocking(path.parent)
    key = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key
