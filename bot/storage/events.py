"""Rasa's tracker store (table ``events`` at TRACKER_STORE_URL): every read and write of
it outside Rasa goes through ``EventRepository``.

The table is Rasa's (rasa.core.tracker_store.SQLTrackerStore creates it and writes the
conversations); this module describes its columns and never creates, alters or migrates
it.  Outside Rasa it is read, except for two writes: masking events stored before the
tracker store masked them (``mask_stored``) and seeding sample and benchmark data
(``add_all``).

The repository takes the tracker store's engine, not a session: it is another database
than the project's, no unit of work spans both, and each call is a connection (a
streaming one for the long reads) of its own.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import (Column, Float, Integer, MetaData, String, Table, Text, and_, func, or_, select,
                        update)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.storage.to_a_person import PAUSES, UNPAUSES, said_to_a_person

_metadata = MetaData()


def create_events_table(url: str) -> None:
    """Rasa's own events table, made by Rasa's own model of it (as Rasa makes it on start),
    for a database no Rasa server has opened yet: demo data, benchmarks and tests."""
    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy import create_engine

    engine = create_engine(url)
    SQLTrackerStore.Base.metadata.create_all(engine)
    engine.dispose()


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


def row_for(sender_id: str, event: Dict[str, Any]) -> Dict[str, Any]:
    """The row Rasa's SQLTrackerStore writes for ``event`` of conversation ``sender_id``."""
    return {
        "sender_id": sender_id, "type_name": event["event"],
        "timestamp": event["timestamp"],
        "intent_name": (event.get("parse_data") or {}).get("intent", {}).get("name"),
        "action_name": event.get("name"), "data": json.dumps(event),
    }


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

    def messages_after(self, sender_id: str, after_id: int = 0, limit: int = 500) -> List[StoredEvent]:
        """The conversation's ``user`` and ``bot`` events stored after event ``after_id``."""
        query = (
            select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id, EVENTS.c.id > after_id,
                   EVENTS.c.type_name.in_(["user", "bot"]))
            .order_by(EVENTS.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [StoredEvent(r.id, r.type_name, r.timestamp, _parse(r.data)) for r in rows]

    def last_bot_before(self, sender_id: str, before_id: int) -> Optional[Dict[str, Any]]:
        """The conversation's last ``bot`` event stored before event ``before_id``, if any."""
        with self.engine.connect() as conn:
            data = conn.execute(
                select(EVENTS.c.data)
                .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "bot",
                       EVENTS.c.id < before_id)
                .order_by(EVENTS.c.id.desc()).limit(1)
            ).scalar()
        return _parse(data) if data is not None else None

    def value_events(self, sender_id: str, slot_names: Sequence[str],
                     users_since: float) -> List[Dict[str, Any]]:
        """The conversation's ``slot`` events of ``slot_names`` and its ``user`` events from
        ``users_since`` on, oldest first: what agent assist reads the customer's values from,
        without parsing every event of a long conversation (Rasa stores a slot's name in
        ``action_name``)."""
        query = (
            select(EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id)
            .where(or_(
                and_(EVENTS.c.type_name == "slot", EVENTS.c.action_name.in_(list(slot_names))),
                and_(EVENTS.c.type_name == "user", EVENTS.c.timestamp >= users_since)))
            .order_by(EVENTS.c.id)
        )
        with self.engine.connect() as conn:
            return [_parse(data) for (data,) in conn.execute(query)]
    def requested_slot(self, sender_id: str, look_back: int = 200) -> Optional[str]:
        """The slot a form of the stored conversation is asking for now (the latest
        ``requested_slot`` while the latest active loop is on); None if none is.  The
        action server asks this instead of believing the tracker it is sent."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(EVENTS.c.data)
                .where(EVENTS.c.sender_id == sender_id,
                       EVENTS.c.type_name.in_(["slot", "active_loop"]))
                .order_by(EVENTS.c.id.desc()).limit(look_back)
            ).all()
        requested: Optional[str] = None
        for (data,) in rows:
            event = _parse(data)
            if event.get("event") == "active_loop":
                return (requested or None) if event.get("name") else None
            if event.get("name") == "requested_slot" and requested is None:
                requested = event.get("value") or ""
        return None

    def last_id(self, sender_id: str) -> int:
        """The id of the conversation's latest event (0: none).

        ``max(id + 0)``, not ``max(id)``: PostgreSQL answers a plain max by walking the
        primary key from the newest event back until one is this conversation's, which for
        a conversation months old is most of the table (190 ms on 420,000 events, against
        0.3 ms through the sender_id index)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.max(EVENTS.c.id + 0)).where(EVENTS.c.sender_id == sender_id)
            ).scalar() or 0

    def bot_events_since(self, sender_id: str, since: float, limit: int = 50) -> List[Dict[str, Any]]:
        """The conversation's latest ``limit`` ``bot`` events from ``since`` on, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(EVENTS.c.data)
                .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "bot",
                       EVENTS.c.timestamp >= since)
                .order_by(EVENTS.c.id.desc()).limit(limit)
            ).all()
        return [_parse(data) for (data,) in reversed(rows)]

    def user_events_of(self, sender_ids: Sequence[str],
                       batch: int = 500) -> Iterator[Tuple[str, Optional[float], Dict[str, Any]]]:
        """(sender_id, timestamp, event) of the ``user`` events of these conversations that
        were said to the assistant (not to a person who had the chat: to_a_person.py), in
        the order they were stored within each batch of ``batch`` conversations."""
        ids = list(sender_ids)
        kinds = ["user", *sorted(PAUSES | UNPAUSES)]
        with self.engine.connect() as conn:
            for start in range(0, len(ids), batch):
                rows = conn.execute(
                    select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp,
                           EVENTS.c.data)
                    .where(EVENTS.c.sender_id.in_(ids[start:start + batch]))
                    .where(EVENTS.c.type_name.in_(kinds))
                    .order_by(EVENTS.c.id)
                ).all()
                kinds_of: Dict[str, List[Dict[str, Any]]] = {}
                for sender_id, type_name, _, _ in rows:
                    kinds_of.setdefault(sender_id, []).append({"event": type_name})
                flags = {sender: iter(said_to_a_person(kinds_of[sender])) for sender in kinds_of}
                for sender_id, type_name, timestamp, data in rows:
                    if not next(flags[sender_id]) and type_name == "user":
                        yield sender_id, timestamp, _parse(data)

    def mask_stored(self, mask: Callable[[Dict[str, Any]], Dict[str, Any]], batch: int = 2000) -> int:
        """Rewrites the ``user``, ``bot`` and ``slot`` events that ``mask`` changes, one
        transaction per ``batch`` events; events whose data is not JSON are left alone.
        Returns how many it rewrote."""
        changed = 0
        last_id = 0
        with self.engine.connect() as conn:
            while True:
                rows = conn.execute(
                    select(EVENTS.c.id, EVENTS.c.data)
                    .where(EVENTS.c.id > last_id, EVENTS.c.type_name.in_(["user", "bot", "slot"]))
                    .order_by(EVENTS.c.id).limit(batch)
                ).all()
                if not rows:
                    break
                for event_id, data in rows:
                    try:
                        original = json.loads(data or "{}")
                    except ValueError:
                        continue
                    masked = mask(original)
                    if masked != original:
                        conn.execute(
                            update(EVENTS).where(EVENTS.c.id == event_id).values(data=json.dumps(masked))
                        )
                        changed += 1
                conn.commit()
                last_id = rows[-1][0]
        return changed

    def add_all(self, events: Iterable[Tuple[str, Dict[str, Any]]], batch: int = 5000) -> int:
        """Stores (sender_id, event) pairs as Rasa would, in one transaction (sample and
        benchmark data only: Rasa writes the real conversations).  Returns how many."""
        written = 0
        rows: List[Dict[str, Any]] = []
        with self.engine.begin() as conn:
            for sender_id, event in events:
                rows.append(row_for(sender_id, event))
                if len(rows) >= batch:
                    conn.execute(EVENTS.insert(), rows)
                    written += len(rows)
                    rows = []
            if rows:
                conn.execute(EVENTS.insert(), rows)
                written += len(rows)
        return written
