"""Alembic revisions of the duty log (branch label `duty`)."""

MODELS = "hub.duty.models"
