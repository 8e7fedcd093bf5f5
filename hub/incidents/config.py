"""Incident categories and their defaults; school IT overrides them in YAML."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from .handling import EscalationStep, ProcedureItem, number_items
from .model import Priority

__all__ = [
    "DEFAULT_CATEGORIES",
    "DEFAULT_ESCALATION",
    "DEFAULT_PROCEDURES",
    "CategoryConfig",
    "IncidentsConfig",
    "PriorityValue",
]


def _coerce_priority(value: object) -> Priority:
    if isinstance(value, Priority):
        return value
    if isinstance(value, int | str):
        try:
            return Priority.parse(value)
        except (KeyError, ValueError):
            pass
    raise ValueError("expected 1-4 or one of critical, high, medium, low")


#: A priority in YAML: 1-4 or a name (critical, high, medium, low).
PriorityValue = Annotated[Priority, BeforeValidator(_coerce_priority)]


class CategoryConfig(BaseModel):
    """How one incident category is handled."""

    model_config = ConfigDict(extra="forbid")

    priority: PriorityValue = Priority.MEDIUM
    title: str = ""
    forward: bool = False
    instructions: str = ""
    #: steps run while nobody acknowledges (None: the category's default; []: none)
    escalation: list[EscalationStep] | None = None
    #: the checklist the guard works through (None: the category's default; []: none)
    procedure: list[ProcedureItem] | None = None

    @field_validator("procedure")
    @classmethod
    def _ids(cls, value: list[ProcedureItem] | None) -> list[ProcedureItem] | None:
        return None if value is None else number_items(value)


def _steps(*steps: dict[str, object]) -> list[EscalationStep]:
    return [EscalationStep.model_validate(step) for step in steps]


def _items(*items: tuple[str, str, str]) -> list[ProcedureItem]:
    return [ProcedureItem(id=i, text=en, zh=zh) for i, en, zh in items]


#: Usable as they are: siren and announcement at the gate after 1 min, the duty list and a
#: raised priority, then the police after 2 min (panic goes to the police at once anyway).
DEFAULT_ESCALATION: dict[str, list[EscalationStep]] = {
    "panic": _steps({"delay": 60}, {"siren": None}, {"broadcast": None}, {"notify": None},
                    {"delay": 60}, {"siren": None}, {"broadcast": None},
                    {"forward": True}),
    "watchlist_match": _steps({"delay": 120}, {"notify": None}, {"priority": "critical"},
                              {"delay": 180}, {"broadcast": None}, {"forward": True}),
}

DEFAULT_PROCEDURES: dict[str, list[ProcedureItem]] = {
    "panic": _items(
        ("see_gate", "Look at the gate camera and say what you see", "查看校门摄像机,确认现场情况"),
        ("close_gate", "Keep the gate closed", "保持校门关闭"),
        ("call_police", "Call the police (110) if anyone is in danger", "如有人身危险,立即拨打110"),
        ("call_head", "Call the head teacher", "通知校长"),
        ("protect", "Keep students away from the gate", "疏导学生远离校门"),
    ),
    "watchlist_match": _items(
        ("confirm", "Compare the capture with the enrolled photo", "核对抓拍与底库照片"),
        ("close_gate", "Keep the gate closed; do not approach", "保持校门关闭,不要靠近"),
        ("call_police", "Call the police (110) and follow their instructions",
         "拨打110并按警方要求处置"),
        ("call_head", "Call the head teacher", "通知校长"),
    ),
}


DEFAULT_CATEGORIES: dict[str, CategoryConfig] = {
    "panic": CategoryConfig(priority=Priority.CRITICAL, title="Panic alarm", forward=True,
                            instructions="Send officers to the gate at once."),
    "watchlist_match": CategoryConfig(priority=Priority.HIGH, title="Watch-list match",
                                      forward=True),
    "intrusion": CategoryConfig(priority=Priority.HIGH, title="Intrusion"),
    "tamper": CategoryConfig(priority=Priority.HIGH, title="Device tampered with"),
    "metal_detected": CategoryConfig(priority=Priority.HIGH, title="Metal detected"),
    "guard_off_post": CategoryConfig(priority=Priority.MEDIUM, title="Guard off post"),
    "device_offline": CategoryConfig(priority=Priority.MEDIUM, title="Device offline"),
    "visitor": CategoryConfig(priority=Priority.LOW, title="Visitor"),
    "unknown_after_hours": CategoryConfig(priority=Priority.MEDIUM,
                                          title="Unknown face after hours"),
}


class IncidentsConfig(BaseModel):
    """The `incidents:` section."""

    model_config = ConfigDict(extra="forbid")

    categories: dict[str, CategoryConfig] = Field(default_factory=dict)
    dedupe_open: bool = True
    snapshot_timeout: float = Field(default=3.0, gt=0, le=30)

    def category(self, name: str) -> CategoryConfig:
        """Return the settings of a category: configured fields over the default's.

        `intrusion: {escalation: [...]}` keeps the default title and priority of intrusion.
        """
        default = DEFAULT_CATEGORIES.get(name)
        configured = self.categories.get(name)
        if configured is None:
            return default or CategoryConfig(title=name.replace("_", " "))
        if default is None or configured is default:
            return configured
        return default.model_copy(update={field: getattr(configured, field)
                                          for field in configured.model_fields_set})

    def escalation(self, name: str) -> list[EscalationStep]:
        """Return the escalation steps of a category (configured, else the default)."""
        configured = self.categories.get(name)
        if configured is not None and configured.escalation is not None:
            return configured.escalation
        default = DEFAULT_CATEGORIES.get(name)
        if default is not None and default.escalation is not None:
            return default.escalation
        return DEFAULT_ESCALATION.get(name, [])

    def procedure(self, name: str) -> list[ProcedureItem]:
        """Return the checklist of a category (configured, else the default)."""
        configured = self.categories.get(name)
        if configured is not None and configured.procedure is not None:
            return configured.procedure
        return DEFAULT_PROCEDURES.get(name, [])

    def all_categories(self) -> dict[str, CategoryConfig]:
        """Return every known category with its settings."""
        return {**DEFAULT_CATEGORIES, **self.categories}
