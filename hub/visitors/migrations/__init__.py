"""Alembic revisions of the visitor log (branch label `visitors`)."""

MODELS = "hub.visitors.models"
