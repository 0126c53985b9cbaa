"""What the agent inbox and the customer's widget read about handoff tickets.

Queries only (the changes are bot/handoff/lifecycle.py's), each in a unit of work of its
own (bot/storage/unit_of_work.py); the conversation's messages come from Rasa's events
through the tracker store's repository (bot/storage/events.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from bot.handoff.lifecycle import utcnow
from bot.storage.events import EventRepository
from bot.storage.tickets import CLAIMED, OPEN, WAITING, HandoffTicket, TicketDetails
from bot.storage.unit_of_work import UnitOfWork


def _aware(moment: Optional[dt.datetime]) -> Optional[dt.datetime]:
    # SQLite gives naive datetimes back (stored as UTC).
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment


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


def _entries(uow: UnitOfWork, tickets: Sequence[HandoffTicket], now: dt.datetime) -> List[InboxEntry]:
    details = uow.tickets.details_for([t.id for t in tickets])
    return [
        InboxEntry(t, details.get(t.id), _waited(t, details.get(t.id), now))
        for t in tickets
    ]


FOLLOW_UPS_PER_PAGE = 25


def inbox(uow: UnitOfWork, now: Optional[dt.datetime] = None, follow_up_page: int = 1,
          follow_up_search: str = "") -> Dict[str, Any]:
    """The agent inbox: every waiting chat (longest wait first) and every chat in progress,
    never cut off, since a customer missing there is a customer nobody answers; follow-ups,
    which pile up over months, newest first a page at a time, with their total, those
    matching ``follow_up_search`` (case number, conversation, e-mail, error) if given."""
    now = now or utcnow()
    with uow:
        all_follow_ups = uow.tickets.count_with_status(OPEN)
        open_total = uow.tickets.count_with_status(OPEN, follow_up_search) \
            if follow_up_search else all_follow_ups
        pages = max(1, -(-open_total // FOLLOW_UPS_PER_PAGE))
        page = min(max(1, follow_up_page), pages)
        waiting = uow.tickets.with_status(WAITING)
        claimed = uow.tickets.with_status(CLAIMED)
        follow_ups = uow.tickets.with_status(
            OPEN, newest_first=True, limit=FOLLOW_UPS_PER_PAGE,
            offset=(page - 1) * FOLLOW_UPS_PER_PAGE, search=follow_up_search)
        entries = _entries(uow, [*waiting, *claimed, *follow_ups], now)
    return {
        WAITING: entries[:len(waiting)],
        CLAIMED: entries[len(waiting):len(waiting) + len(claimed)],
        OPEN: entries[len(waiting) + len(claimed):],
        "open_total": open_total,
        # Every unclosed ticket, whatever the follow-up search shows.
        "active_total": len(waiting) + len(claimed) + all_follow_ups,
        "open_page": page,
        "open_pages": pages,
    }


def entry(uow: UnitOfWork, ticket_id: int, now: Optional[dt.datetime] = None) -> Optional[InboxEntry]:
    with uow:
        ticket = uow.tickets.get(ticket_id)
        if ticket is None:
            return None
        return _entries(uow, [ticket], now or utcnow())[0]


def latest_ticket(uow: UnitOfWork, conversation_id: str) -> Optional[HandoffTicket]:
    """The conversation's newest ticket, whatever its status."""
    with uow:
        return uow.tickets.latest_for(conversation_id)


def live_status(uow: UnitOfWork, conversation_id: str) -> Dict[str, Any]:
    """What the customer's widget shows about a person: ``agent`` (with the first name) while
    someone has the chat, ``waiting`` while it waits for one, else ``assistant``."""
    with uow:
        ticket = uow.tickets.latest_for(conversation_id, (WAITING, CLAIMED))
        if ticket is None:
            return {"state": "assistant"}
        if ticket.status == WAITING:
            return {"state": "waiting", "ticket_id": ticket.id}
        details = uow.tickets.details(ticket.id)
    return {"state": "agent", "agent": details.agent_name if details else None,
            "ticket_id": ticket.id,
            "since": _aware(details.claimed_at).timestamp() if details and details.claimed_at else None}


# -- the conversation as the agent sees it

def _buttons(bot_data: Optional[Dict[str, Any]]) -> Dict[str, str]:
    """Payload -> title of the buttons a ``bot`` event offered."""
    if not bot_data:
        return {}
    offered = (bot_data.get("data") or {}).get("buttons") or []
    return {str(b.get("payload")): str(b.get("title") or b.get("payload"))
            for b in offered if isinstance(b, dict) and b.get("payload")}


def _is_payload(text: str) -> bool:
    return text.startswith("/")


def customer_saw(text: str, offered: Dict[str, str]) -> Dict[str, Any]:
    """What the customer's widget showed for a message they sent: a button's title for a
    click on one (web/widget/ shows the title, sends the payload), nothing for the payload
    the widget sends by itself on opening (``/greet{"language": "en"}``), else the text."""
    if not _is_payload(text):
        return {"text": text}
    if text in offered:
        return {"text": offered[text], "button": True, "payload": text}
    if text.split("{", 1)[0] == "/greet":
        return {"text": "opened the chat", "hidden": True, "payload": text}
    return {"text": text, "payload": text}


def messages_after(events: EventRepository, conversation_id: str, after_id: int = 0,
                   limit: int = 500) -> List[Dict[str, Any]]:
    """The customer's, the assistant's and agents' messages stored after event ``after_id``,
    as the customer saw them: a button click as the button's title (from the assistant's
    message before it, read back from before ``after_id`` when needed)."""
    messages = []
    rows = events.messages_after(conversation_id, after_id, limit)
    offered: Optional[Dict[str, str]] = None
    for row in rows:
        data = row.data
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        text = data.get("text") or ""
        shown: Dict[str, Any] = {"text": text}
        if row.type_name == "user":
            kind = "customer"
            if _is_payload(text):
                if offered is None:
                    offered = _buttons(events.last_bot_before(conversation_id, row.id))
                shown = customer_saw(text, offered)
        else:
            kind = "agent" if metadata.get("agent") else "assistant"
            offered = _buttons(data)
        messages.append({
            "id": row.id, "kind": kind, "timestamp": row.timestamp,
            "agent": metadata.get("agent"), **shown,
        })
    return messages


def last_event_id(events: EventRepository, conversation_id: str) -> int:
    return events.last_id(conversation_id)
