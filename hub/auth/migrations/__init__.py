"""Alembic revisions of the auth tables (branch label `auth`)."""

MODELS = "hub.auth.models"
