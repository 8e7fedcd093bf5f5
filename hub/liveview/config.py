"""The `live_view:` section: signed, expiring links police use to watch one camera."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["LiveViewConfig"]


class LiveViewConfig(BaseModel):
    """Signed, expiring links police use to watch one camera and see the snapshots."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    ttl: float = Field(default=3600.0, ge=60, le=7 * 86400)
    #: the signing key; without it a random key is kept in <data_dir>/police_live_view.key
    secret: SecretStr | None = None
    mjpeg_fps: float = Field(default=2.0, gt=0, le=10)
