"""Reading Rasa's tracker store (table ``events`` at TRACKER_STORE_URL).  Read-only.

The table is Rasa's (rasa.core.tracker_store.SQLTrackerStore creates it); this module
describes the columns it reads and never creates, alters or migrates it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

_metadata = MetaData()
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass
class StoredEvent:
    id: int
    type_name: str
    timestamp: Optional[float]
    data: Dict[str, Any]


def _parse(data: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class EventRepository:
    """A conversation's events, or all of them grouped by conversation."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def exists(self) -> bool:
        from sqlalchemy import inspect

        return inspect(self.engine).has_table("events")

    def events_for(self, sender_id: str, connection: Optional[Connection] = None) -> List[StoredEvent]:
        query = (
            select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id)
            .order_by(EVENTS.c.id)
        )
        try:
            if connection is not None:
                rows = connection.execute(query).all()
            else:
                with self.engine.connect() as conn:
                    rows = conn.execute(query).all()
        except (OperationalError, ProgrammingError):
            if self.exists():
                raise
            return []  # Rasa has not created its table yet: no conversation so far
        return [StoredEvent(r.id, r.type_name, r.timestamp, _parse(r.data)) for r in rows]

    def count_conversations(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count(func.distinct(EVENTS.c.sender_id)))).scalar_one()

    def iterate_conversations(self, batch: int = 5000) -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
        """(sender_id, event dicts oldest first) for every conversation, streaming."""
        with self.engine.connect().execution_options(stream_results=True) as conn:
            result = conn.execute(
                select(EVENTS.c.sender_id, EVENTS.c.data).order_by(EVENTS.c.sender_id, EVENTS.c.id)
            )
            current: Optional[str] = None
            events: List[Dict[str, Any]] = []
            for rows in iter(lambda: result.fetchmany(batch), []):
                for sender_id, data in rows:
                    if sender_id != current:
                        if current is not None:
                            yield current, events
                        current, events = sender_id, []
                    events.append(_parse(data))
            if current is not None:
                yield current, events
