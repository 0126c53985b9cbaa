"""Database helpers of the tests (the fixtures themselves are in tests/conftest.py)."""
from __future__ import annotations

# One definition, beside the repository that reads that table.
from bot.storage.events import create_events_table

__all__ = ["create_events_table"]
