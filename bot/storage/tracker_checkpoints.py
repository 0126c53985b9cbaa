"""Where each conversation's recent window starts (bot/runtime/tracker_window.py).

Table ``tracker_checkpoints`` lives beside Rasa's ``events`` in the tracker store's
database (TRACKER_STORE_URL) and is created the way Rasa creates ``events``: on the
tracker store's start, if missing.  One row per conversation: the id of the window's
first event, the events that recreate the state before it (JSON, masked like every
stored event), and the start of the conversation session it belongs to.  A row whose
session is not the conversation's latest is ignored, so a new session needs no clean-up.

The functions take the tracker store's SQLAlchemy session: the row is written in the
same transaction as the turn's events, so a checkpoint never points past what is stored.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.storage.events import EVENTS

_metadata = MetaData()

CHECKPOINTS = Table(
    "tracker_checkpoints",
    _metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("from_event_id", Integer, nullable=False),
    Column("session_start", Float),
    Column("state", Text, nullable=False),
)


@dataclass(frozen=True)
class StoredCheckpoint:
    from_event_id: int
    session_start: Optional[float]
    state: List[Dict[str, Any]]


def create_table(engine: Engine) -> None:
    _metadata.create_all(engine, tables=[CHECKPOINTS])


def latest_session_start(session: Session, sender_id: str) -> Optional[float]:
    """When the conversation's latest session started, as Rasa's SQLTrackerStore
    finds it (the newest ``session_started`` timestamp), or None."""
    return session.execute(
        select(func.max(EVENTS.c.timestamp)).where(
            EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "session_started")
    ).scalar()


def checkpoint_for(session: Session, sender_id: str) -> Optional[StoredCheckpoint]:
    row = session.execute(
        select(CHECKPOINTS.c.from_event_id, CHECKPOINTS.c.session_start, CHECKPOINTS.c.state)
        .where(CHECKPOINTS.c.sender_id == sender_id)
    ).first()
    if row is None:
        return None
    try:
        state = json.loads(row.state)
    except ValueError:
        return None  # unreadable: the conversation is read whole instead
    return StoredCheckpoint(row.from_event_id, row.session_start,
                            state if isinstance(state, list) else [])


def save_checkpoint(session: Session, sender_id: str, from_event_id: int,
                    session_start: Optional[float], state: List[Dict[str, Any]]) -> None:
    """Replaces the conversation's checkpoint (the conversation's lock is held)."""
    session.execute(delete(CHECKPOINTS).where(CHECKPOINTS.c.sender_id == sender_id))
    session.execute(CHECKPOINTS.insert().values(
        sender_id=sender_id, from_event_id=from_event_id, session_start=session_start,
        state=json.dumps(state)))
