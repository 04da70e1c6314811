"""SQL helpers the services share (SQLAlchemy 2): the dialect's `INSERT … ON CONFLICT` for atomic counters.

Both supported databases (SQLite by default, PostgreSQL in production) have `ON CONFLICT DO UPDATE …
RETURNING`, so a counter can be incremented and read in one statement — no read-then-write race.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def insert_on_conflict(dialect: str) -> Callable[[Any], Any]:
    """The `insert()` of `dialect` ("postgresql" or "sqlite"), whose statements have `on_conflict_do_update`."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    raise ValueError(f"atomic counters need SQLite or PostgreSQL, not {dialect}")
