"""The police message as pydantic models: the source of docs/schemas/incident-message.schema.json.

    python -m hub.uplinks.schema > docs/schemas/incident-message.schema.json
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .message import SCHEMA_ID

__all__ = ["IncidentMessage", "json_schema"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Site(_Strict):
    """The school the hub guards."""

    id: str = Field(description="Site id from the hub's configuration (hub.site).")
    name: str = Field(description="Display name of the hub.")


class Device(_Strict):
    """The device that raised the incident."""

    entity_id: str = Field(description="e.g. alarm.panic_1")
    name: str


class IncidentBody(_Strict):
    """The incident as it is at this revision."""

    id: str = Field(description="Incident id: 32 hex digits, time-ordered.")
    category: str = Field(description="panic, watchlist_match, intrusion, tamper, "
                                      "metal_detected, guard_off_post, device_offline, ...")
    title: str
    priority: int = Field(ge=1, le=4, description="1 critical, 2 high, 3 medium, 4 low.")
    priority_name: Literal["critical", "high", "medium", "low"]
    status: Literal["raised", "acknowledged", "dispatched", "resolved", "false_alarm"]
    classification: str | None = Field(description="real, false_alarm or test once resolved.")
    test: bool = Field(description="True for test incidents: do not dispatch.")
    message: str
    gate: str | None
    device: Device | None
    cameras: list[str]
    created_at: str = Field(description="ISO 8601 UTC, e.g. 2026-11-22T08:00:00.123Z")
    updated_at: str
    instructions: str | None = Field(description="The school's handling instructions.")
    watchlist: dict[str, Any] | None = Field(
        description="The matched watch-list entry (watchlist_match incidents).")
    details: dict[str, Any] = Field(description="Other data the source attached.")


class Step(_Strict):
    """The timeline step that made this revision."""

    action: str = Field(description="raised, acknowledged, dispatched, resolved, false_alarm, "
                                    "snapshot, note, repeated, forward, ...")
    actor: str = Field(description="User id, 'hub', or 'uplink:<name>'.")
    at: str
    note: str


class Snapshot(_Strict):
    """A stored picture of the incident."""

    id: str
    url: str | None = Field(default=None, description="Signed link; expires with live_view.")


class LiveView(_Strict):
    """A signed, read-only link to the camera and the incident's snapshots."""

    url: str
    camera: str | None
    expires_at: str


class IncidentMessage(_Strict):
    """One message per incident revision (webhook body, MQTT payload)."""

    model_config = ConfigDict(extra="forbid", title="Campus Hub incident message",
                              json_schema_extra={"$id": SCHEMA_ID})

    schema_: str = Field(alias="schema", description="The $id of this schema.")
    schema_version: Literal[1]
    idempotency_key: str = Field(description="<incident id>-r<revision>: de-duplicate on it.")
    event: str = Field(description="The step action that made this revision.")
    revision: int = Field(ge=1, description="Grows with every stored step of the incident.")
    site: Site
    incident: IncidentBody
    step: Step
    snapshots: list[Snapshot]
    live_view: LiveView | None


def json_schema() -> dict[str, Any]:
    """Return the published JSON Schema (draft 2020-12).

    The models forbid unknown fields so our tests catch drift; the published schema allows
    them, so version 1 can grow fields without breaking receivers that validate.
    """
    schema = _open(IncidentMessage.model_json_schema(by_alias=True))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _open(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _open(v) for k, v in node.items() if k != "additionalProperties"}
    if isinstance(node, list):
        return [_open(v) for v in node]
    return node


if __name__ == "__main__":
    print(json.dumps(json_schema(), indent=2))
