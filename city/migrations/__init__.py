"""Alembic migrations of the platform's database (branch `city`)."""
