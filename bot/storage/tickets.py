"""Handoff tickets: what a human needs to know when the assistant hands a chat over.

A ticket's ``status`` (the live handoff's state machine is bot/handoff/lifecycle.py):

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
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from bot.storage.database import Base, like_escape

OPEN = "open"
WAITING = "waiting"
CLAIMED = "claimed"
RESOLVED = "resolved"
HANDED_BACK = "handed_back"
# Closed without an answer: spam, or a flood of escalations (the reason is the note).
CLOSED = "closed"
# A conversation has at most one ticket in one of these at a time.
ACTIVE_STATUSES = (WAITING, CLAIMED, OPEN)
CLOSED_STATUSES = (RESOLVED, HANDED_BACK, CLOSED)


class HandoffTicket(Base):
    __tablename__ = "handoff_tickets"
    # The inbox pages through a status's tickets in created order (migration 0008).
    __table_args__ = (Index("ix_handoff_tickets_status_created", "status", "created_at", "id"),)

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


class EscalationRecord(Base):
    """One row per ticket opened, with who opened it: what the escalation limits count
    (bot/handoff/flood.py, migration 0006).  ``client_key`` is a keyed hash of the
    customer's address, never the address; None when the message did not come through
    a channel."""

    __tablename__ = "handoff_escalations"

    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id", ondelete="CASCADE"),
                       primary_key=True)
    client_key = Column(String(64), index=True)
    opened_at = Column(DateTime(timezone=True), nullable=False, index=True)


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
    # False while first_name is the guess from the user name (migration 0005).
    name_confirmed = Column(Boolean, nullable=False, default=False, server_default=false())


@dataclass
class NewTicket:
    conversation_id: str
    reason: str
    language: str
    detected_error: Optional[str] = None
    extracted_values: Dict[str, str] = field(default_factory=dict)
    steps_given: List[str] = field(default_factory=list)
    recent_messages: List[str] = field(default_factory=list)
    client_key: Optional[str] = None


def stored_timestamp(moment: Optional[dt.datetime]) -> Optional[float]:
    """A ticket's stored time as a timestamp (SQLite gives it back without its zone:
    it is UTC)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).timestamp()


def _matching(query, search: str):
    """Tickets an agent looks for: "#549" is case 549 alone; any other text matches a case
    number equal to it, or a part of the conversation id, the contact e-mail or the
    detected error (case-insensitive, taken literally)."""
    search = (search or "").strip()[:100]
    if not search:
        return query
    if search.startswith("#") and search[1:].isdigit() and len(search) < 11:
        return query.where(HandoffTicket.id == int(search[1:]))
    pattern = f"%{like_escape(search.lower())}%"
    conditions = [
        func.lower(HandoffTicket.conversation_id).like(pattern, escape="\\"),
        func.lower(HandoffTicket.detected_error).like(pattern, escape="\\"),
        HandoffTicket.id.in_(
            select(TicketDetails.ticket_id)
            .where(func.lower(TicketDetails.contact_email).like(pattern, escape="\\"))),
    ]
    if search.isdigit() and len(search) < 10:
        conditions.append(HandoffTicket.id == int(search))
    return query.where(or_(*conditions))


class TicketRepository:
    """All reads and writes of handoff tickets and their details, in the caller's session
    (a unit of work, bot/storage/unit_of_work.py, owns the commit)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, ticket_id: int) -> Optional[HandoffTicket]:
        """The ticket as it is in the database now (another process may have moved it)."""
        ticket = self.session.get(HandoffTicket, ticket_id)
        if ticket is not None:
            self.session.refresh(ticket)
        return ticket

    def latest_for(self, conversation_id: str,
                   statuses: Optional[Sequence[str]] = None) -> Optional[HandoffTicket]:
        """The conversation's newest ticket (in one of ``statuses``, if given)."""
        query = select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id)
        if statuses is not None:
            query = query.where(HandoffTicket.status.in_(list(statuses)))
        return self.session.execute(
            query.order_by(HandoffTicket.id.desc()).limit(1)
        ).scalar_one_or_none()

    def open_ticket_for(self, conversation_id: str) -> Optional[HandoffTicket]:
        """The conversation's ticket that is not closed yet (waiting, claimed or open)."""
        return self.latest_for(conversation_id, ACTIVE_STATUSES)

    def opened_since(self, since: dt.datetime, client_key: Optional[str] = None) -> int:
        """How many tickets were opened since ``since``: all, or those of one client
        (``client_key``)."""
        query = select(func.count()).select_from(EscalationRecord).where(
            EscalationRecord.opened_at >= since)
        if client_key is not None:
            query = query.where(EscalationRecord.client_key == client_key)
        return self.session.execute(query).scalar_one()

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
        self.session.add(ticket)
        self.session.flush()
        self.session.add(EscalationRecord(ticket_id=ticket.id, client_key=new.client_key,
                                          opened_at=now))
        if status == OPEN:
            self.session.add(TicketDetails(ticket_id=ticket.id, follow_up_at=now))
        return ticket

    def tickets_for(self, conversation_id: str) -> List[HandoffTicket]:
        return list(
            self.session.execute(
                select(HandoffTicket)
                .where(HandoffTicket.conversation_id == conversation_id)
                .order_by(HandoffTicket.id)
            ).scalars()
        )

    def with_status(self, status: str, newest_first: bool = False, limit: Optional[int] = None,
                    offset: int = 0, search: str = "") -> List[HandoffTicket]:
        """Tickets in one status, oldest first (or newest first), a page of them or all,
        matching ``search`` (see ``_matching``) when one is given."""
        order = (HandoffTicket.created_at.desc(), HandoffTicket.id.desc()) if newest_first \
            else (HandoffTicket.created_at, HandoffTicket.id)
        query = _matching(select(HandoffTicket).where(HandoffTicket.status == status), search)
        query = query.order_by(*order)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        return list(self.session.execute(query).scalars())

    def count_with_status(self, status: str, search: str = "") -> int:
        query = select(func.count()).select_from(HandoffTicket).where(HandoffTicket.status == status)
        return self.session.execute(_matching(query, search)).scalar_one()

    def waiting_since(self, cutoff: dt.datetime) -> List[HandoffTicket]:
        """Tickets waiting for an agent since ``cutoff`` or longer."""
        return list(self.session.execute(
            select(HandoffTicket).where(HandoffTicket.status == WAITING,
                                        HandoffTicket.created_at <= cutoff)
        ).scalars())

    def move(self, ticket_id: int, from_statuses: Sequence[str], to_status: str) -> bool:
        """The conditional UPDATE every transition is (``... WHERE id = :id AND status IN
        (...)``): True if this call changed the row.  Of two sessions moving the same
        ticket at once, exactly one does."""
        result = self.session.execute(
            update(HandoffTicket)
            .where(HandoffTicket.id == ticket_id, HandoffTicket.status.in_(list(from_statuses)))
            .values(status=to_status)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def latest_of(self, conversation_ids: Sequence[str]
                  ) -> Dict[str, Tuple[HandoffTicket, Optional[TicketDetails]]]:
        """Each conversation's newest ticket with its details (for the exports' columns
        about how the handoff closed); conversations without a ticket are left out."""
        if not conversation_ids:
            return {}
        latest: Dict[str, HandoffTicket] = {}
        for ticket in self.session.execute(
            select(HandoffTicket).where(HandoffTicket.conversation_id.in_(list(conversation_ids)))
            .order_by(HandoffTicket.id)
        ).scalars():
            latest[ticket.conversation_id] = ticket
        details = self.details_for([t.id for t in latest.values()])
        return {cid: (t, details.get(t.id)) for cid, t in latest.items()}

    def restart_wait(self, ticket_id: int, at: dt.datetime) -> None:
        """The ticket's wait for a person counts from ``at`` (a follow-up asked again)."""
        self.session.execute(
            update(HandoffTicket).where(HandoffTicket.id == ticket_id).values(created_at=at)
            .execution_options(synchronize_session=False))

    def details(self, ticket_id: int) -> Optional[TicketDetails]:
        return self.session.get(TicketDetails, ticket_id)

    def details_for(self, ticket_ids: Sequence[int]) -> Dict[int, TicketDetails]:
        if not ticket_ids:
            return {}
        return {
            d.ticket_id: d for d in self.session.execute(
                select(TicketDetails).where(TicketDetails.ticket_id.in_(list(ticket_ids)))
            ).scalars()
        }

    def details_to_write(self, ticket_id: int) -> TicketDetails:
        """The ticket's details row, added if it has none yet."""
        details = self.details(ticket_id)
        if details is None:
            details = TicketDetails(ticket_id=ticket_id)
            self.session.add(details)
        return details

    def contact_email(self, ticket_id: int) -> Optional[str]:
        details = self.details(ticket_id)
        return details.contact_email if details else None

    def save_contact_email(self, conversation_id: str, email: str) -> Optional[HandoffTicket]:
        """Puts the customer's e-mail address on the conversation's unclosed ticket."""
        ticket = self.open_ticket_for(conversation_id)
        if ticket is None:
            return None
        self.details_to_write(ticket.id).contact_email = email
        return ticket


class AgentRepository:
    """Agents' live-chat profiles (first name, duty switch), in the caller's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, username: str) -> Optional[HandoffAgent]:
        return self.session.get(HandoffAgent, username)

    def add(self, profile: HandoffAgent) -> HandoffAgent:
        self.session.add(profile)
        self.session.flush()
        return profile

    def on_duty(self) -> int:
        """How many agents have switched themselves on duty."""
        return self.session.execute(
            select(func.count()).select_from(HandoffAgent).where(HandoffAgent.on_duty.is_(True))
        ).scalar_one()
