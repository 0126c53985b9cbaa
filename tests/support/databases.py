"""Database helpers of the tests (the fixtures themselves are in tests/conftest.py)."""
from __future__ import annotations

from typing import Set

from sqlalchemy import inspect

from bot.storage.database import make_engine
# One definition, beside the repository that reads that table.
from bot.storage.events import create_events_table

__all__ = ["create_events_table", "table_names"]


def table_names(url: str) -> Set[str]:
    """The tables of the database at ``url``, read with an engine of its own."""
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
