"""Live handoff's state machine, on the project's database and Rasa's HTTP API.

    escalation ──(agents on duty)──▶ waiting ──claim──▶ claimed ──hand back──▶ handed_back
        │                              │                   └────resolve─────▶ resolved
        │                       (nobody claims it in time)
        └──(off duty)────────────────▶ open ◀┘   (claim: ▶ claimed; resolve: ▶ resolved)

``waiting`` and ``open`` are written by the action server (actions/escalation.py), which
also pauses the conversation when it is ``waiting``; everything after that happens here,
called by the agent inbox (bot/console/agent_views.py) and the claim-timeout watcher.

Every transition is one conditional UPDATE (``... WHERE id = :id AND status IN (...)``):
of two agents claiming at once, exactly one changes the row; the other is told that
someone else has it.  When the conversation itself must change (pause, resume, a
message), Rasa's HTTP API is called after the row changed; if Rasa does not take it, the
row is put back, so the ticket never claims something the customer did not see.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.handoff.hours import OpeningHours, expected_answer
from bot.handoff.rasa_api import RasaApi, action_event, bot_event, utterance
from bot.handoff.responses import render
from bot.storage.events import EVENTS
from bot.storage.tickets import (
    ACTIVE_STATUSES,
    CLAIMED,
    HANDED_BACK,
    OPEN,
    RESOLVED,
    WAITING,
    HandoffAgent,
    HandoffTicket,
    TicketDetails,
)

MAX_REPLY_CHARS = 4000
MAX_NOTE_CHARS = 4000
FIRST_NAME = re.compile(r"^[^\W\d_][^\W\d_' .-]{0,30}(?:[' .-][^\W\d_]{1,30}){0,2}$")


class HandoffError(Exception):
    """Why a step could not be taken, in words for the agent."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(moment: Optional[dt.datetime]) -> Optional[dt.datetime]:
    # SQLite gives naive datetimes back (stored as UTC).
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment


# -- agents: first name and the duty switch

def default_first_name(username: str) -> str:
    first = re.split(r"[._-]", username or "agent")[0] or "agent"
    return first[:1].upper() + first[1:]


def agent_profile(session: Session, username: str) -> HandoffAgent:
    """The agent's profile; made (off duty, first name from the user name) on first use."""
    profile = session.get(HandoffAgent, username)
    if profile is None:
        profile = HandoffAgent(username=username, first_name=default_first_name(username),
                               on_duty=False, updated_at=time.time())
        session.add(profile)
        session.flush()
    return profile


def set_on_duty(session: Session, username: str, on_duty: bool) -> HandoffAgent:
    profile = agent_profile(session, username)
    profile.on_duty = bool(on_duty)
    profile.updated_at = time.time()
    return profile


def set_first_name(session: Session, username: str, first_name: str) -> HandoffAgent:
    name = " ".join((first_name or "").split())
    if not FIRST_NAME.match(name):
        raise HandoffError("A first name is letters only (up to 30, e.g. \"Anna\" or \"Anna-Karin\").")
    profile = agent_profile(session, username)
    profile.first_name = name
    profile.updated_at = time.time()
    return profile


def agents_on_duty(session: Session) -> int:
    return session.execute(
        select(func.count()).select_from(HandoffAgent).where(HandoffAgent.on_duty.is_(True))
    ).scalar_one()


def team_available(session: Session, hours: OpeningHours, now: Optional[dt.datetime] = None) -> bool:
    """On duty: within the opening hours, and at least one agent has switched on."""
    return hours.is_open(now or utcnow()) and agents_on_duty(session) > 0


# -- the inbox

@dataclass
class InboxEntry:
    ticket: HandoffTicket
    details: Optional[TicketDetails]
    waited_seconds: float

    def as_dict(self) -> Dict[str, Any]:
        t, d = self.ticket, self.details
        return {
            "id": t.id,
            "conversation_id": t.conversation_id,
            "status": t.status,
            "reason": t.reason,
            "detected_error": t.detected_error,
            "extracted_values": t.extracted_values or {},
            "steps_given": t.steps_given or [],
            "recent_messages": t.recent_messages or [],
            "language": t.language,
            "created_at": _aware(t.created_at).isoformat() if t.created_at else None,
            "waited_seconds": int(self.waited_seconds),
            "claimed_by": d.claimed_by if d else None,
            "agent_name": d.agent_name if d else None,
            "contact_email": d.contact_email if d else None,
            "follow_up_at": _aware(d.follow_up_at).isoformat() if d and d.follow_up_at else None,
        }


def _waited(ticket: HandoffTicket, details: Optional[TicketDetails], now: dt.datetime) -> float:
    """Seconds the customer waited for a person: until an agent claimed the chat."""
    until = now
    if ticket.status == CLAIMED and details is not None and details.claimed_at is not None:
        until = _aware(details.claimed_at)
    return max(0.0, (until - _aware(ticket.created_at)).total_seconds())


def _entries(session: Session, tickets: Sequence[HandoffTicket], now: dt.datetime) -> List[InboxEntry]:
    ids = [t.id for t in tickets]
    details = {
        d.ticket_id: d for d in session.execute(
            select(TicketDetails).where(TicketDetails.ticket_id.in_(ids))
        ).scalars()
    } if ids else {}
    return [
        InboxEntry(t, details.get(t.id), _waited(t, details.get(t.id), now))
        for t in tickets
    ]


def inbox(session: Session, now: Optional[dt.datetime] = None, limit: int = 200) -> Dict[str, List[InboxEntry]]:
    """Unclosed tickets by status: waiting (longest wait first), claimed, open."""
    now = now or utcnow()
    tickets = list(session.execute(
        select(HandoffTicket)
        .where(HandoffTicket.status.in_(ACTIVE_STATUSES))
        .order_by(HandoffTicket.created_at, HandoffTicket.id)
        .limit(limit)
    ).scalars())
    entries = _entries(session, tickets, now)
    return {
        WAITING: [e for e in entries if e.ticket.status == WAITING],
        CLAIMED: [e for e in entries if e.ticket.status == CLAIMED],
        OPEN: [e for e in entries if e.ticket.status == OPEN][::-1],
    }


def entry(session: Session, ticket_id: int, now: Optional[dt.datetime] = None) -> Optional[InboxEntry]:
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None:
        return None
    session.refresh(ticket)
    return _entries(session, [ticket], now or utcnow())[0]


def _details(session: Session, ticket_id: int) -> TicketDetails:
    details = session.get(TicketDetails, ticket_id)
    if details is None:
        details = TicketDetails(ticket_id=ticket_id)
        session.add(details)
    return details


def _move(session: Session, ticket_id: int, from_statuses: Sequence[str], to_status: str) -> bool:
    """The conditional UPDATE every transition is: True if this call changed the row."""
    result = session.execute(
        update(HandoffTicket)
        .where(HandoffTicket.id == ticket_id, HandoffTicket.status.in_(list(from_statuses)))
        .values(status=to_status)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _claimed_by(session: Session, ticket_id: int, username: str) -> HandoffTicket:
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None:
        raise HandoffError("No such ticket.")
    session.refresh(ticket)
    details = session.get(TicketDetails, ticket_id)
    if ticket.status != CLAIMED or details is None or details.claimed_by != username:
        raise HandoffError("This chat is not yours (any more).")
    return ticket


# -- transitions

def claim(session: Session, api: RasaApi, ticket_id: int, username: str) -> HandoffTicket:
    """The agent takes the chat: the assistant pauses and the customer sees who joined."""
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None:
        raise HandoffError("No such ticket.")
    previous = ticket.status
    if previous not in (WAITING, OPEN) or not _move(session, ticket_id, (previous,), CLAIMED):
        session.rollback()
        session.refresh(ticket)
        details = session.get(TicketDetails, ticket_id)
        who = details.claimed_by if details and ticket.status == CLAIMED else None
        raise HandoffError(f"{who} already has this chat." if who else
                           f"This chat cannot be claimed (it is {ticket.status}).")
    profile = agent_profile(session, username)
    details = _details(session, ticket_id)
    details.claimed_by, details.agent_name, details.claimed_at = username, profile.first_name, utcnow()
    session.commit()
    language = ticket.language or "en"
    _tell_or_undo(session, api, ticket, CLAIMED, previous, [
        # Already paused when it was waiting; an open ticket's assistant was still on.
        {"event": "pause", "timestamp": time.time()},
        bot_event(render("utter_agent_joined", language, agent_name=profile.first_name),
                  {"agent": profile.first_name, "agent_user": username,
                   "ticket_id": ticket.id, "handoff": "joined"}),
    ])
    session.refresh(ticket)
    return ticket


def _tell_or_undo(session: Session, api: RasaApi, ticket: HandoffTicket, moved_to: str,
                  moved_from: str, events: List[Dict[str, Any]]) -> None:
    """Appends ``events`` to the ticket's conversation after its status moved (and was
    committed); if Rasa does not take them, the status moves back and the error goes up."""
    try:
        api.append(ticket.conversation_id, events)
    except Exception:
        _move(session, ticket.id, (moved_to,), moved_from)
        session.commit()
        raise


def reply(session: Session, api: RasaApi, ticket_id: int, username: str, text: str) -> None:
    """The agent's message: stored in the conversation and shown in the customer's widget."""
    text = (text or "").strip()
    if not text:
        raise HandoffError("The message is empty.")
    if len(text) > MAX_REPLY_CHARS:
        raise HandoffError(f"A message is at most {MAX_REPLY_CHARS} characters.")
    ticket = _claimed_by(session, ticket_id, username)
    details = session.get(TicketDetails, ticket_id)
    api.append(ticket.conversation_id, [
        # Paused already; again in case Rasa started a new session meanwhile (an hour of
        # silence), which unpauses a conversation.
        {"event": "pause", "timestamp": time.time()},
        bot_event(text, {"agent": details.agent_name, "agent_user": username,
                         "ticket_id": ticket.id}),
    ])


def _close(session: Session, ticket_id: int, username: str, status: str,
           note: Optional[str] = None, actual_error: Optional[str] = None) -> None:
    details = _details(session, ticket_id)
    details.closed_by, details.closed_at = username, utcnow()
    if note is not None:
        details.resolution_note = note
    if actual_error is not None:
        details.resolved_error = actual_error


def _back_to_the_assistant(response: str, language: str) -> List[Dict[str, Any]]:
    """Resume the assistant, drop any half-asked question, say so, and listen."""
    return [
        {"event": "resume", "timestamp": time.time()},
        {"event": "active_loop", "name": None, "timestamp": time.time()},
        {"event": "slot", "name": "requested_slot", "value": None, "timestamp": time.time()},
        *utterance(response, render(response, language)),
        action_event("action_listen"),
    ]


def hand_back(session: Session, api: RasaApi, ticket_id: int, username: str) -> HandoffTicket:
    """The assistant takes over again, and tells the customer."""
    ticket = _claimed_by(session, ticket_id, username)
    if not _move(session, ticket_id, (CLAIMED,), HANDED_BACK):
        session.rollback()
        raise HandoffError("This chat is not yours (any more).")
    _close(session, ticket_id, username, HANDED_BACK)
    session.commit()
    _tell_or_undo(session, api, ticket, HANDED_BACK, CLAIMED,
                  _back_to_the_assistant("utter_handed_back", ticket.language or "en"))
    session.refresh(ticket)
    return ticket


def resolve(session: Session, api: RasaApi, ticket_id: int, username: str, note: str,
            actual_error: str, known_errors: Sequence[str]) -> HandoffTicket:
    """Closes the ticket with what it really was.  A live chat goes back to the assistant
    (which says the chat with support has ended); a follow-up ticket just closes."""
    note = (note or "").strip()
    if not note:
        raise HandoffError("Write a resolution note: what was wrong, what fixed it.")
    if len(note) > MAX_NOTE_CHARS:
        raise HandoffError(f"A resolution note is at most {MAX_NOTE_CHARS} characters.")
    if actual_error not in set(known_errors) | {"other"}:
        raise HandoffError("Choose the error it really was (or \"other\").")
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None:
        raise HandoffError("No such ticket.")
    session.refresh(ticket)
    live = ticket.status == CLAIMED
    if live:
        _claimed_by(session, ticket_id, username)
    elif ticket.status != OPEN:
        raise HandoffError(f"This chat cannot be resolved (it is {ticket.status}); claim it first.")
    from bot.privacy import mask_text

    if not _move(session, ticket_id, (ticket.status,), RESOLVED):
        session.rollback()
        raise HandoffError("Someone else changed this ticket just now; reload.")
    _close(session, ticket_id, username, RESOLVED, mask_text(note), actual_error)
    session.commit()
    if live:
        _tell_or_undo(session, api, ticket, RESOLVED, CLAIMED,
                      _back_to_the_assistant("utter_handoff_closed", ticket.language or "en"))
    session.refresh(ticket)
    return ticket


def time_out_waiting(session: Session, api: RasaApi, hours: OpeningHours, timeout_seconds: int,
                     now: Optional[dt.datetime] = None) -> List[int]:
    """Waiting chats nobody claimed within ``timeout_seconds``: the assistant resumes, tells
    the customer when to expect an answer and asks for an e-mail address; the ticket stays
    open for follow-up.  Returns the ids of the tickets it moved."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=timeout_seconds)
    stale = list(session.execute(
        select(HandoffTicket).where(HandoffTicket.status == WAITING,
                                    HandoffTicket.created_at <= cutoff)
    ).scalars())
    moved = []
    for ticket in stale:
        if not _move(session, ticket.id, (WAITING,), OPEN):
            session.rollback()
            continue  # claimed (or timed out by another process) meanwhile
        _details(session, ticket.id).follow_up_at = now
        session.commit()
        language = ticket.language or "en"
        expected = expected_answer(hours, now, language)
        _tell_or_undo(session, api, ticket, OPEN, WAITING, follow_up_events(language, expected))
        moved.append(ticket.id)
    return moved


def follow_up_events(language: str, expected: str) -> List[Dict[str, Any]]:
    """Resume, say nobody could take the chat and when to expect an answer, and ask for an
    e-mail address: the e-mail form (domain.yml) is active and waiting for the answer."""
    return [
        {"event": "resume", "timestamp": time.time()},
        {"event": "slot", "name": "handoff_expected", "value": expected, "timestamp": time.time()},
        {"event": "slot", "name": "contact_email", "value": None, "timestamp": time.time()},
        *utterance("utter_no_agent_free", render("utter_no_agent_free", language, handoff_expected=expected)),
        action_event("email_form"),
        {"event": "active_loop", "name": "email_form", "timestamp": time.time()},
        {"event": "slot", "name": "requested_slot", "value": "contact_email", "timestamp": time.time()},
        *utterance("utter_ask_contact_email",
                   render("utter_ask_contact_email", language, handoff_expected=expected)),
        action_event("action_listen"),
    ]


# -- the conversation as the agent sees it

def messages_after(tracker_engine: Engine, conversation_id: str, after_id: int = 0,
                   limit: int = 500) -> List[Dict[str, Any]]:
    """The customer's, the assistant's and agents' messages stored after event ``after_id``."""
    import json

    query = (
        select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
        .where(EVENTS.c.sender_id == conversation_id, EVENTS.c.id > after_id,
               EVENTS.c.type_name.in_(["user", "bot"]))
        .order_by(EVENTS.c.id)
        .limit(limit)
    )
    with tracker_engine.connect() as connection:
        rows = connection.execute(query).all()
    messages = []
    for row in rows:
        try:
            data = json.loads(row.data or "{}")
        except ValueError:
            data = {}
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        if row.type_name == "user":
            kind = "customer"
        else:
            kind = "agent" if metadata.get("agent") else "assistant"
        messages.append({
            "id": row.id, "kind": kind, "text": data.get("text") or "",
            "timestamp": row.timestamp, "agent": metadata.get("agent"),
        })
    return messages


def last_event_id(tracker_engine: Engine, conversation_id: str) -> int:
    with tracker_engine.connect() as connection:
        return connection.execute(
            select(func.max(EVENTS.c.id)).where(EVENTS.c.sender_id == conversation_id)
        ).scalar() or 0


def live_status(session: Session, conversation_id: str) -> Dict[str, Any]:
    """What the customer's widget shows about a person: ``agent`` (with the first name) while
    someone has the chat, ``waiting`` while it waits for one, else ``assistant``."""
    ticket = session.execute(
        select(HandoffTicket)
        .where(HandoffTicket.conversation_id == conversation_id,
               HandoffTicket.status.in_([WAITING, CLAIMED]))
        .order_by(HandoffTicket.id.desc()).limit(1)
    ).scalar_one_or_none()
    if ticket is None:
        return {"state": "assistant"}
    if ticket.status == WAITING:
        return {"state": "waiting", "ticket_id": ticket.id}
    details = session.get(TicketDetails, ticket.id)
    return {"state": "agent", "agent": details.agent_name if details else None,
            "ticket_id": ticket.id,
            "since": _aware(details.claimed_at).timestamp() if details and details.claimed_at else None}
