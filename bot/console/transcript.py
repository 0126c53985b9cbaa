"""What staff see of one conversation, from its stored events.  Pure functions.

Each customer message with the intent, confidence and values the assistant saw (or,
written while a person had the chat, marked as a message to the agent: the assistant did
not act on it); each answer (text, buttons, which response) and action; slots the
actions set; sessions, follow-ups and handoff tickets (opened, and how they closed: who,
when, the error it really was, the resolution note), in order, with their times.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from bot.storage.events import StoredEvent
from bot.storage.tickets import stored_timestamp
from bot.storage.to_a_person import paused_after, said_to_a_person

HIDDEN_ACTIONS = {"action_listen", "action_session_start"}
HIDDEN_EVENTS = {"user_featurization"}
# Slots whose change is worth a line of its own in the transcript.
NOTABLE_SLOTS = {"escalated", "current_error", "language", "awaiting_feedback"}
HANDOFF_EVENTS = {
    "pause": "Assistant paused: what the customer writes now goes to a person",
    "resume": "Assistant resumed",
}


@dataclass
class Item:
    kind: str  # user, bot, action, slot, session, ticket, event
    timestamp: Optional[float]
    text: str = ""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    ranking: List[Dict[str, Any]] = field(default_factory=list)
    entities: List[Dict[str, Any]] = field(default_factory=list)
    buttons: List[Dict[str, str]] = field(default_factory=list)
    name: Optional[str] = None  # action, slot or response name
    value: Any = None
    policy: Optional[str] = None
    channel: Optional[str] = None
    transaction: Optional[Dict[str, Any]] = None
    ticket_id: Optional[int] = None
    # A message an agent wrote during a handoff: the agent's first name and username.
    agent: Optional[str] = None
    agent_user: Optional[str] = None
    # A customer message written while a person had the chat (the assistant was paused).
    to_agent: Optional[bool] = None
    details: Dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> Dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", [], {})}


def _float(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _user_item(data: Dict[str, Any], timestamp: Optional[float]) -> Item:
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    ranking = [
        {"name": r.get("name"), "confidence": _float(r.get("confidence"))}
        for r in (parse.get("intent_ranking") or [])[:4]
        if isinstance(r, dict)
    ]
    entities = [
        {"entity": e.get("entity"), "value": e.get("value"), "extractor": e.get("extractor")}
        for e in parse.get("entities") or []
        if isinstance(e, dict) and e.get("entity") != "language"
    ]
    metadata = data.get("metadata") or {}
    transaction = metadata.get("transaction") if isinstance(metadata, dict) else None
    language = next(
        (e.get("value") for e in parse.get("entities") or []
         if isinstance(e, dict) and e.get("entity") == "language"),
        None,
    )
    return Item(
        kind="user", timestamp=timestamp, text=data.get("text") or "",
        intent=intent.get("name"), confidence=_float(intent.get("confidence")),
        ranking=ranking, entities=entities, channel=data.get("input_channel"),
        transaction=transaction if isinstance(transaction, dict) else None,
        details={"language": language} if language else {},
    )


def _bot_item(data: Dict[str, Any], timestamp: Optional[float]) -> Item:
    payload = data.get("data") or {}
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in payload.get("buttons") or []
        if isinstance(b, dict)
    ]
    metadata = data.get("metadata") or {}
    ticket = metadata.get("ticket_id")
    return Item(
        kind="bot", timestamp=timestamp, text=data.get("text") or "", buttons=buttons,
        name=metadata.get("utter_action"),
        ticket_id=ticket if isinstance(ticket, int) else None,
        agent=_text_or_none(metadata.get("agent")),
        agent_user=_text_or_none(metadata.get("agent_user")),
    )


def _text_or_none(value: Any) -> Optional[str]:
    return str(value) if isinstance(value, str) and value else None


def _ticket_items(ticket: Any, details: Any) -> List[Item]:
    """A ticket's line when it opened and, once it closed, a line for that."""
    opened = Item(
        kind="ticket", timestamp=stored_timestamp(ticket.created_at), ticket_id=ticket.id,
        name=ticket.reason, value=ticket.status,
        details={
            "reason": ticket.reason, "status": ticket.status,
            "detected_error": ticket.detected_error,
            "extracted_values": ticket.extracted_values or {},
            "steps_given": ticket.steps_given or [],
            "recent_messages": ticket.recent_messages or [],
            "language": ticket.language,
        },
    )
    if details is None or details.closed_at is None:
        return [opened]
    return [opened, Item(
        kind="ticket_closed", timestamp=stored_timestamp(details.closed_at),
        ticket_id=ticket.id, value=ticket.status, agent_user=details.closed_by,
        name=details.resolved_error, text=details.resolution_note or "",
    )]


def build_transcript(events: Sequence[StoredEvent], tickets: Sequence[Any] = (),
                     details: Optional[Mapping[int, Any]] = None) -> List[Item]:
    """The transcript's lines, oldest first; ``tickets`` are HandoffTicket rows,
    ``details`` their TicketDetails rows by ticket id."""
    items: List[Item] = []
    kinds = [{"event": e.data.get("event") or e.type_name} for e in events]
    to_a_person = said_to_a_person(kinds)
    paused = False
    for event, to_agent in zip(events, to_a_person):
        data = event.data
        kind = data.get("event") or event.type_name
        timestamp = _float(data.get("timestamp")) or event.timestamp
        was_paused, paused = paused, paused_after([{"event": kind}], paused)
        if kind == "user":
            item = _user_item(data, timestamp)
            item.to_agent = to_agent or None
            items.append(item)
        elif kind == "bot":
            items.append(_bot_item(data, timestamp))
        elif kind == "action":
            name = data.get("name")
            if name in HIDDEN_ACTIONS:
                continue
            items.append(Item(
                kind="action", timestamp=timestamp, name=name, policy=data.get("policy"),
                confidence=_float(data.get("confidence")),
            ))
        elif kind == "slot":
            if data.get("name") in NOTABLE_SLOTS:
                items.append(Item(kind="slot", timestamp=timestamp, name=data.get("name"),
                                  value=data.get("value")))
        elif kind == "session_started":
            items.append(Item(kind="session", timestamp=timestamp, text="Conversation session started"))
        elif kind in HIDDEN_EVENTS:
            continue
        elif kind in HANDOFF_EVENTS:
            if was_paused == paused:  # paused again with each agent message: no news
                continue
            items.append(Item(kind="event", timestamp=timestamp, name=kind,
                              text=HANDOFF_EVENTS[kind]))
        elif kind == "followup":
            items.append(Item(kind="event", timestamp=timestamp, name=kind,
                              text=f"follow-up: {data.get('name')}"))
        else:
            items.append(Item(kind="event", timestamp=timestamp, name=kind, text=kind))
    for ticket in tickets:
        items.extend(_ticket_items(ticket, (details or {}).get(ticket.id)))
    # Stable: events keep their stored order; a ticket goes after what happened before it.
    order = {id(item): index for index, item in enumerate(items)}
    return sorted(items, key=lambda i: (i.timestamp if i.timestamp is not None else 0, order[id(i)]))
