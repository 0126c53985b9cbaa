"""Handoff tickets: what a human needs to know when the assistant hands a chat over.

A ticket's ``status`` (the live handoff's state machine is bot/handoff/service.py):

- ``waiting``: agents are on duty; the assistant is paused and the chat waits in the
  agent inbox for someone to claim it;
- ``claimed``: an agent has the chat (``claimed_by``, ``agent_name``);
- ``open``: nobody could take it live (off duty, or nobody claimed it in time): the
  customer was told when to expect an answer and asked for an e-mail address
  (``contact_email``); it stays in the inbox for follow-up and can still be claimed;
- ``resolved``: closed by an agent, with a note and the error it really was;
- ``handed_back``: the agent gave the chat back to the assistant.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    select,
)

from bot.settings import settings
from bot.storage.database import Base, make_engine, make_session_factory
from bot.storage.migrate import ensure_schema

OPEN = "open"
WAITING = "waiting"
CLAIMED = "claimed"
RESOLVED = "resolved"
HANDED_BACK = "handed_back"
# A conversation has at most one ticket in one of these at a time.
ACTIVE_STATUSES = (WAITING, CLAIMED, OPEN)
CLOSED_STATUSES = (RESOLVED, HANDED_BACK)


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


class TicketDetails(Base):
    """What live handoff adds to a ticket (migration 0004), one row per ticket once needed.

    A table of its own rather than new columns on handoff_tickets: code from before live
    handoff (and a rollback to it) reads and writes tickets exactly as before.
    """

    __tablename__ = "handoff_ticket_details"

    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id", ondelete="CASCADE"),
                       primary_key=True)
    claimed_by = Column(String(64))  # staff user name
    agent_name = Column(String(64))  # the first name the customer sees
    claimed_at = Column(DateTime(timezone=True))
    # When the customer was told nobody can answer live, and asked for an e-mail address.
    follow_up_at = Column(DateTime(timezone=True))
    # Given by the customer for the follow-up; kept as written (not masked), on purpose.
    contact_email = Column(String(255))
    closed_by = Column(String(64))
    closed_at = Column(DateTime(timezone=True))
    resolution_note = Column(Text)
    # The error it really was, as the agent found it (an intent of the catalogue or "other").
    resolved_error = Column(String(64))


class HandoffAgent(Base):
    """A staff user's live-chat profile: the first name customers see, and the duty switch."""

    __tablename__ = "handoff_agents"

    username = Column(String(64), primary_key=True)
    first_name = Column(String(64), nullable=False)
    on_duty = Column(Boolean, nullable=False, default=False)
    updated_at = Column(Float, nullable=False)


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
        """The conversation's ticket that is not closed yet (waiting, claimed or open)."""
        with self._sessions() as session:
            return session.execute(
                select(HandoffTicket)
                .where(HandoffTicket.conversation_id == conversation_id)
                .where(HandoffTicket.status.in_(ACTIVE_STATUSES))
                .order_by(HandoffTicket.id.desc())
                .limit(1)
            ).scalar_one_or_none()

    def open_ticket(self, new: NewTicket, status: str = OPEN) -> HandoffTicket:
        """A new ticket: ``waiting`` for a live agent, or ``open`` for follow-up."""
        now = dt.datetime.now(dt.timezone.utc)
        ticket = HandoffTicket(
            conversation_id=new.conversation_id,
            reason=new.reason,
            detected_error=new.detected_error,
            extracted_values=dict(new.extracted_values),
            steps_given=list(new.steps_given),
            recent_messages=list(new.recent_messages),
            language=new.language,
            status=status,
            created_at=now,
        )
        with self._sessions() as session, session.begin():
            session.add(ticket)
            if status == OPEN:
                session.flush()
                session.add(TicketDetails(ticket_id=ticket.id, follow_up_at=now))
        return ticket

    def session(self):
        """A new session on the project's database (use it as a context manager)."""
        return self._sessions()

    def agents_on_duty(self) -> int:
        """How many agents have switched themselves on duty."""
        from sqlalchemy import func

        with self._sessions() as session:
            return session.execute(
                select(func.count()).select_from(HandoffAgent).where(HandoffAgent.on_duty.is_(True))
            ).scalar_one()

    def save_contact_email(self, conversation_id: str, email: str) -> Optional[HandoffTicket]:
        """Puts the customer's e-mail address on the conversation's unclosed ticket."""
        with self._sessions() as session, session.begin():
            ticket = session.execute(
                select(HandoffTicket)
                .where(HandoffTicket.conversation_id == conversation_id)
                .where(HandoffTicket.status.in_(ACTIVE_STATUSES))
                .order_by(HandoffTicket.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            if ticket is None:
                return None
            details = session.get(TicketDetails, ticket.id)
            if details is None:
                details = TicketDetails(ticket_id=ticket.id)
                session.add(details)
            details.contact_email = email
        return ticket

    def contact_email(self, ticket_id: int) -> Optional[str]:
        with self._sessions() as session:
            details = session.get(TicketDetails, ticket_id)
            return details.contact_email if details else None

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
