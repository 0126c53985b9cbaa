"""Database helpers of the tests (the fixtures themselves are in tests/conftest.py)."""
from __future__ import annotations

from sqlalchemy import create_engine


def create_events_table(url: str) -> None:
    """Rasa's own tracker-store table, made by Rasa's own model of it."""
    from rasa.core.tracker_store import SQLTrackerStore

    engine = create_engine(url)
    SQLTrackerStore.Base.metadata.create_all(engine)
    engine.dispose()
