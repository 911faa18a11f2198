"""Alembic environment: the engine comes from the caller (`data_access.migrations`)."""

from __future__ import annotations

from alembic import context

from data_access.db import get_engine
from data_access.models import Base

config = context.config
engine = config.attributes.get("engine") or get_engine()

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
