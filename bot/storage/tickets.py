"""Handoff tickets: what a human needs to know when the assistant hands a chat over."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from sqlalchemy import JSON, Column, DateTime, Integer, String, select

from bot.settings import settings
from bot.storage.database import Base, make_engine, make_session_factory
from bot.storage.migrate import ensure_schema

OPEN = "open"


class HandoffTicket(Base):
    __tablename__ = "handoff_tickets"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    reason = Column(String(40), nullable=False)
    detected_error = Column(String(64))
    extracted_values = Column(JSON, nullable=False, default=dict)
    steps_given = Column(JSON, nullable=False, default=list)
    recent_messages = Column(JSON, nullable=False, default=list)
    language = Column(String(8), nullable=False)
    status = Column(String(16), nullable=False, default=OPEN, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False)


@dataclass
class NewTicket:
    conversation_id: str
    reason: str
    language: str
    detected_error: Optional[str] = None
    extracted_values: Dict[str, str] = field(default_factory=dict)
    steps_given: List[str] = field(default_factory=list)
    recent_messages: List[str] = field(default_factory=list)


class TicketRepository:
    """All reads and writes of handoff tickets; one short session per call."""

    def __init__(self, database_url: str) -> None:
        # The schema is Alembic's (bot/storage/migrations): brought to head once per process.
        ensure_schema(database_url)
        self.engine = make_engine(database_url)
        self._sessions = make_session_factory(self.engine)

    def open_ticket_for(self, conversation_id: str) -> Optional[HandoffTicket]:
        with self._sessions() as session:
            return session.execute(
                select(HandoffTicket)
                .where(HandoffTicket.conversation_id == conversation_id)
                .where(HandoffTicket.status == OPEN)
                .order_by(HandoffTicket.id.desc())
                .limit(1)
            ).scalar_one_or_none()

    def open_ticket(self, new: NewTicket) -> HandoffTicket:
        ticket = HandoffTicket(
            conversation_id=new.conversation_id,
            reason=new.reason,
            detected_error=new.detected_error,
            extracted_values=dict(new.extracted_values),
            steps_given=list(new.steps_given),
            recent_messages=list(new.recent_messages),
            language=new.language,
            status=OPEN,
            created_at=dt.datetime.now(dt.timezone.utc),
        )
        with self._sessions() as session, session.begin():
            session.add(ticket)
        return ticket

    def tickets_for(self, conversation_id: str) -> List[HandoffTicket]:
        with self._sessions() as session:
            return list(
                session.execute(
                    select(HandoffTicket)
                    .where(HandoffTicket.conversation_id == conversation_id)
                    .order_by(HandoffTicket.id)
                ).scalars()
            )


@functools.lru_cache(maxsize=None)
def ticket_repository(database_url: Optional[str] = None) -> TicketRepository:
    """The process's repository, created on first use (never at import time)."""
    return TicketRepository(database_url or settings().database_url)
