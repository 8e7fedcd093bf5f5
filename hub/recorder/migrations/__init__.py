"""The Alembic script directory shared by every component (env.py, template, recorder branch)."""
