"""A handoff ticket's life, from escalation to close: the live handoff's state machine.

    escalate ──(agents on duty)──▶ waiting ──claim──▶ claimed ──hand back──▶ handed_back
        │                            │                   └────resolve─────▶ resolved
        │                     (nobody claims it in time: time out)
        └──(off duty)──────────────▶ open ◀┘   (claim: ▶ claimed; resolve: ▶ resolved;
                                                     close, as spam: ▶ closed;
                                                     asked again on duty: ▶ waiting)

The arrows are ``TRANSITIONS``, stated once; a step without an arrow is refused
(``TransitionNotAllowed``).  The action server escalates (actions/escalation.py) and
stores the customer's e-mail address (actions/handoff.py); the agent inbox
(bot/console/agent_views.py) claims, replies, hands back, resolves and closes follow-ups
in bulk; the claim-timeout
watcher (bot/handoff/watcher.py) times out.  They all only translate what happens here
into messages, events and HTTP.

Every step takes a unit of work (bot/storage/unit_of_work.py) and plain values, and
raises ``HandoffError`` with words for the agent.  Every transition is one conditional
UPDATE (``... WHERE id = :id AND status IN (...)``): of two agents claiming at once,
exactly one changes the row; the other is told that someone else has it.  The change and
its audit row are one transaction.  When the conversation itself must change (pause,
resume, a message), Rasa's HTTP API is called after that transaction committed; if Rasa
does not take it, the status moves back and the audit row goes (one transaction again),
so the ticket never claims something the customer did not see.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bot.handoff.agents import profile_in
from bot.handoff.contact import find_email
from bot.handoff.errors import HandoffError, TransitionNotAllowed
from bot.handoff.flood import IN_ALL, EscalationLimits
from bot.handoff.hours import OpeningHours, expected_answer
from bot.handoff.rasa_api import RasaApi, action_event, bot_event, utterance
from bot.handoff.responses import render
from bot.storage.annotations import AuditEvent
from bot.storage.conversations import mark_resolved_by_agents
from bot.storage.tickets import (
    CLAIMED,
    CLOSED,
    HANDED_BACK,
    OPEN,
    RESOLVED,
    WAITING,
    HandoffTicket,
    NewTicket,
    TicketDetails,
)
from bot.storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

__all__ = ["HandoffError", "TransitionNotAllowed", "TRANSITIONS", "Escalation", "EscalationLimited",
           "escalate",
           "save_contact_email", "save_email_typed_live", "claim", "reply", "hand_back", "resolve", "close_follow_ups",
           "time_out_waiting",
           "follow_up_events"]

MAX_REPLY_CHARS = 4000
MAX_NOTE_CHARS = 4000

# step: (the statuses it starts from, the status it ends in).  A new ticket starts in
# ``waiting`` when the team is on duty, else in ``open`` (``escalate``).
TRANSITIONS: Dict[str, Tuple[Tuple[str, ...], str]] = {
    "claim": ((WAITING, OPEN), CLAIMED),
    "time_out": ((WAITING,), OPEN),
    "hand_back": ((CLAIMED,), HANDED_BACK),
    "resolve": ((CLAIMED, OPEN), RESOLVED),
    "close": ((OPEN,), CLOSED),
    # A follow-up's customer asks for a person again while the team is on duty.
    "ask_again": ((OPEN,), WAITING),
}
MAX_BULK_CLOSE = 200
MAX_CLOSE_REASON_CHARS = 200


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def allowed(step: str, from_status: str) -> bool:
    return step in TRANSITIONS and from_status in TRANSITIONS[step][0]


def transition(uow: UnitOfWork, ticket_id: int, step: str, from_status: str) -> bool:
    """Moves the ticket along ``step`` if it is still ``from_status``: True if this call
    changed the row (False: someone else moved it first).  Refuses a step the state
    machine has no arrow for."""
    if not allowed(step, from_status):
        raise TransitionNotAllowed(f"A ticket that is {from_status} cannot {step.replace('_', ' ')}.")
    return uow.tickets.move(ticket_id, (from_status,), TRANSITIONS[step][1])


def _undo(uow: UnitOfWork, ticket: HandoffTicket, step: str, from_status: str,
          audited: Optional[AuditEvent]) -> None:
    """Back along the arrow just taken (Rasa did not take the change), with its audit row."""
    with uow:
        uow.tickets.move(ticket.id, (TRANSITIONS[step][1],), from_status)
        if audited is not None:
            uow.audit.remove(audited.id)


def _tell_or_undo(uow: UnitOfWork, api: RasaApi, ticket: HandoffTicket, step: str,
                  from_status: str, audited: Optional[AuditEvent],
                  events: List[Dict[str, Any]]) -> None:
    """Appends ``events`` to the ticket's conversation after its status moved (and was
    committed); if Rasa does not take them, the status moves back and the error goes up."""
    try:
        api.append(ticket.conversation_id, events)
    except Exception:
        _undo(uow, ticket, step, from_status, audited)
        raise


def _ticket(uow: UnitOfWork, ticket_id: int) -> HandoffTicket:
    ticket = uow.tickets.get(ticket_id)
    if ticket is None:
        raise HandoffError("No such ticket.")
    return ticket


def _fresh(uow: UnitOfWork, ticket_id: int) -> HandoffTicket:
    with uow:
        return _ticket(uow, ticket_id)


def _claimed_by(uow: UnitOfWork, ticket_id: int, username: str) -> HandoffTicket:
    ticket = _ticket(uow, ticket_id)
    details = uow.tickets.details(ticket_id)
    if ticket.status != CLAIMED or details is None or details.claimed_by != username:
        raise HandoffError("This chat is not yours (any more).")
    return ticket


# -- the action server: escalation and the e-mail address

@dataclass(frozen=True)
class Escalation:
    """What ``escalate`` did: opened ``ticket`` (``created``), or found the conversation's
    unclosed one."""

    ticket: HandoffTicket
    created: bool
    contact_email: Optional[str] = None

    @property
    def with_a_person(self) -> bool:
        """Someone has the chat, or is about to take it: the assistant stays quiet."""
        return self.ticket.status in (WAITING, CLAIMED)

    @property
    def needs_contact_email(self) -> bool:
        return self.ticket.status == OPEN and not self.contact_email


# The audit row that tells staff the hourly total of new tickets was reached.
CAPPED = "handoff_escalations_capped"


class EscalationLimited(HandoffError):
    """No new ticket: the client or everyone together opened too many in the last hour
    (bot/handoff/flood.py); ``limit`` says which (``address`` or ``hour``)."""

    def __init__(self, limit: str) -> None:
        super().__init__(f"too many escalations ({limit})")
        self.limit = limit


def _over_limit(uow: UnitOfWork, new: NewTicket, limits: EscalationLimits,
                now: dt.datetime) -> Optional[str]:
    since = now - dt.timedelta(hours=1)
    by_client = uow.tickets.opened_since(since, new.client_key) if new.client_key else 0
    in_all = uow.tickets.opened_since(since) if limits.per_hour else 0
    exceeded = limits.exceeded(by_client, in_all)
    if exceeded == IN_ALL and not uow.audit.recorded_since(CAPPED, since.timestamp()):
        # The first refusal of the hour: staff see it in the audit log (and the log).
        logger.warning("%d escalations in the last hour: new tickets refused", in_all)
        uow.audit.record("assistant", CAPPED, new.conversation_id, limit=limits.per_hour)
    return exceeded


def escalate(uow: UnitOfWork, new: NewTicket, hours: OpeningHours,
             now: Optional[dt.datetime] = None,
             limits: Optional[EscalationLimits] = None) -> Escalation:
    """The conversation's unclosed ticket if it has one; else a new one, ``waiting`` when
    the team is on duty (within the hours and an agent switched on), ``open`` if not.  A
    follow-up (``open``) whose customer asks again while the team is on duty becomes a
    live chat: ``waiting`` again (``ask_again``), its wait counted from now, audited.
    A new ticket past ``limits`` is refused: ``EscalationLimited``."""
    now = now or utcnow()
    with uow:
        existing = uow.tickets.open_ticket_for(new.conversation_id)
        live = hours.is_open(now) and uow.agents.on_duty() > 0
        if existing is None:
            exceeded = _over_limit(uow, new, limits, now) if limits else None
            if exceeded:
                uow.commit()  # the audit row, if any
                raise EscalationLimited(exceeded)
            ticket = uow.tickets.open_ticket(new, status=WAITING if live else OPEN)
            return Escalation(ticket, created=True)
        if existing.status == OPEN and live and transition(uow, existing.id, "ask_again", OPEN):
            # The inbox orders and times waiting chats by created_at, and so does the
            # claim-timeout watcher: the wait starts now; the first escalation's time is
            # kept in the audit row.
            first_created = existing.created_at
            uow.tickets.restart_wait(existing.id, now)
            uow.audit.record("assistant", "handoff_asked_again", existing.conversation_id,
                             ticket=existing.id,
                             first_created=first_created.isoformat() if first_created else None)
            uow.session.refresh(existing)  # the conditional UPDATEs bypass the loaded row
        return Escalation(existing, created=False,
                          contact_email=uow.tickets.contact_email(existing.id))


def save_contact_email(uow: UnitOfWork, conversation_id: str, email: str) -> Optional[HandoffTicket]:
    """Puts the customer's e-mail address on the conversation's unclosed ticket."""
    with uow:
        return uow.tickets.save_contact_email(conversation_id, email)


def save_email_typed_live(uow: UnitOfWork, conversation_id: str, text: str) -> Optional[str]:
    """The contact address a customer typed to a person (a waiting or claimed live chat)
    put on the ticket, as the off-duty question does; the stored message stays masked.
    Returns the address saved, or None (no address in the text, or no live chat)."""
    email = find_email(text)
    if email is None:
        return None
    with uow:
        ticket = uow.tickets.latest_for(conversation_id)
        if ticket is None or ticket.status not in (WAITING, CLAIMED):
            return None
        uow.tickets.details_to_write(ticket.id).contact_email = email
    return email


# -- the agent inbox: claim, reply, hand back, resolve

def claim(uow: UnitOfWork, api: RasaApi, ticket_id: int, username: str) -> HandoffTicket:
    """The agent takes the chat: the assistant pauses and the customer sees who joined."""
    with uow:
        ticket = _ticket(uow, ticket_id)
        previous = ticket.status
        moved = allowed("claim", previous) and transition(uow, ticket_id, "claim", previous)
        if not moved:
            uow.rollback()
            ticket = _ticket(uow, ticket_id)
            # A follow-up whose customer asked again just now (open -> waiting) is still
            # the agent's to take.
            if ticket.status != previous and allowed("claim", ticket.status):
                previous = ticket.status
                moved = transition(uow, ticket_id, "claim", previous)
        if not moved:
            uow.rollback()
            ticket = _ticket(uow, ticket_id)
            details = uow.tickets.details(ticket_id)
            who = details.claimed_by if details and ticket.status == CLAIMED else None
            raise HandoffError(f"{who} already has this chat." if who else
                               f"This chat cannot be claimed (it is {ticket.status}).")
        profile = profile_in(uow, username)
        details = uow.tickets.details_to_write(ticket_id)
        details.claimed_by, details.agent_name, details.claimed_at = username, profile.first_name, utcnow()
        audited = uow.audit.record(username, "handoff_claimed", ticket.conversation_id,
                                   ticket=ticket.id)
    language = ticket.language or "en"
    _tell_or_undo(uow, api, ticket, "claim", previous, audited, [
        # Already paused when it was waiting; an open ticket's assistant was still on.
        {"event": "pause", "timestamp": time.time()},
        bot_event(render("utter_agent_joined", language, agent_name=profile.first_name),
                  {"agent": profile.first_name, "agent_user": username,
                   "ticket_id": ticket.id, "handoff": "joined"}),
    ])
    return _fresh(uow, ticket_id)


def reply(uow: UnitOfWork, api: RasaApi, ticket_id: int, username: str, text: str) -> None:
    """The agent's message: stored in the conversation and shown in the customer's widget."""
    text = (text or "").strip()
    if not text:
        raise HandoffError("The message is empty.")
    if len(text) > MAX_REPLY_CHARS:
        raise HandoffError(f"A message is at most {MAX_REPLY_CHARS} characters.")
    with uow:
        ticket = _claimed_by(uow, ticket_id, username)
        details = uow.tickets.details(ticket_id)
    api.append(ticket.conversation_id, [
        # Paused already; again in case Rasa started a new session meanwhile (an hour of
        # silence), which unpauses a conversation.
        {"event": "pause", "timestamp": time.time()},
        bot_event(text, {"agent": details.agent_name, "agent_user": username,
                         "ticket_id": ticket.id}),
    ])


def _close(details: TicketDetails, username: str, note: Optional[str] = None,
           actual_error: Optional[str] = None) -> None:
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


def hand_back(uow: UnitOfWork, api: RasaApi, ticket_id: int, username: str) -> HandoffTicket:
    """The assistant takes over again, and tells the customer."""
    with uow:
        ticket = _claimed_by(uow, ticket_id, username)
        if not transition(uow, ticket_id, "hand_back", CLAIMED):
            raise HandoffError("This chat is not yours (any more).")
        _close(uow.tickets.details_to_write(ticket_id), username)
        audited = uow.audit.record(username, "handoff_handed_back", ticket.conversation_id,
                                   ticket=ticket.id)
    _tell_or_undo(uow, api, ticket, "hand_back", CLAIMED, audited,
                  _back_to_the_assistant("utter_handed_back", ticket.language or "en"))
    return _fresh(uow, ticket_id)


def resolve(uow: UnitOfWork, api: RasaApi, ticket_id: int, username: str, note: str,
            actual_error: str, known_errors: Sequence[str]) -> HandoffTicket:
    """Closes the ticket with what it really was.  A live chat goes back to the assistant
    (which says the chat with support has ended); a follow-up ticket just closes.  Either
    way the conversation counts as resolved in the console."""
    note = (note or "").strip()
    if not note:
        raise HandoffError("Write a resolution note: what was wrong, what fixed it.")
    if len(note) > MAX_NOTE_CHARS:
        raise HandoffError(f"A resolution note is at most {MAX_NOTE_CHARS} characters.")
    if actual_error not in set(known_errors) | {"other"}:
        raise HandoffError("Choose the error it really was (or \"other\").")
    from bot.privacy import mask_text

    with uow:
        ticket = _ticket(uow, ticket_id)
        previous = ticket.status
        live = previous == CLAIMED
        if live:
            _claimed_by(uow, ticket_id, username)
        elif previous != OPEN:
            raise HandoffError(f"This chat cannot be resolved (it is {previous}); claim it first.")
        if not transition(uow, ticket_id, "resolve", previous):
            raise HandoffError("Someone else changed this ticket just now; reload.")
        note = mask_text(note)  # stored and audited as masked as the transcript
        _close(uow.tickets.details_to_write(ticket_id), username, note, actual_error)
        audited = uow.audit.record(username, "handoff_resolved", ticket.conversation_id,
                                   ticket=ticket.id, error=actual_error, note=note)
        if not live:  # no chat, no events to say so: the ticket does (a live chat's do)
            mark_resolved_by_agents(uow.session, ticket.conversation_id)
    if live:
        _tell_or_undo(uow, api, ticket, "resolve", CLAIMED, audited,
                      _back_to_the_assistant("utter_handoff_closed", ticket.language or "en"))
    return _fresh(uow, ticket_id)


def close_follow_ups(uow: UnitOfWork, ticket_ids: Sequence[int], username: str,
                     reason: str) -> List[int]:
    """Closes follow-up tickets nobody will answer (spam, a flood of escalations) with the
    reason, each audited, all in one transaction; returns the ids it closed.  A ticket
    that is no longer a follow-up (someone claimed or resolved it meanwhile) is left as
    it is.  Live chats are never closed this way: they are claimed and resolved."""
    reason = (reason or "").strip()
    if not reason:
        raise HandoffError("Say why these tickets are closed (for example \"spam\").")
    if len(reason) > MAX_CLOSE_REASON_CHARS:
        raise HandoffError(f"A reason is at most {MAX_CLOSE_REASON_CHARS} characters.")
    ids = sorted({int(i) for i in ticket_ids})
    if not ids:
        raise HandoffError("Choose the follow-ups to close.")
    if len(ids) > MAX_BULK_CLOSE:
        raise HandoffError(f"Close at most {MAX_BULK_CLOSE} tickets at a time.")
    from bot.privacy import mask_text

    closed = []
    with uow:
        for ticket_id in ids:
            ticket = uow.tickets.get(ticket_id)
            if ticket is None or ticket.status != OPEN:
                continue
            if not transition(uow, ticket_id, "close", OPEN):
                continue  # claimed or resolved by someone else just now
            _close(uow.tickets.details_to_write(ticket_id), username, mask_text(reason))
            uow.audit.record(username, "handoff_closed", ticket.conversation_id,
                             ticket=ticket_id, reason=mask_text(reason))
            closed.append(ticket_id)
    return closed


# -- the claim-timeout watcher

def time_out_waiting(uow: UnitOfWork, api: RasaApi, hours: OpeningHours, timeout_seconds: int,
                     now: Optional[dt.datetime] = None) -> List[int]:
    """Waiting chats nobody claimed within ``timeout_seconds``: the assistant resumes, tells
    the customer when to expect an answer and asks for an e-mail address; the ticket stays
    open for follow-up.  Returns the ids of the tickets it moved."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=timeout_seconds)
    with uow:
        stale = uow.tickets.waiting_since(cutoff)
    moved = []
    for ticket in stale:
        with uow:
            if not transition(uow, ticket.id, "time_out", WAITING):
                continue  # claimed (or timed out by another process) meanwhile
            uow.tickets.details_to_write(ticket.id).follow_up_at = now
        language = ticket.language or "en"
        expected = expected_answer(hours, now, language)
        _tell_or_undo(uow, api, ticket, "time_out", WAITING, None,
                      follow_up_events(language, expected))
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
