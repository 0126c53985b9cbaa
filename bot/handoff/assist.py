"""Agent assist: a reply the agent can insert into a live chat with one click or keystroke.

- The suggested reply is the fix for the error the assistant understood (or one the agent
  picks), in the customer's language, with the customer's own values (account, series,
  FileId, date, accounting system), rendered by the catalogue's renderer
  (bot/catalogue/render.py): the same text the assistant would send, never a copy of it.
- Canned replies (bot/storage/canned_replies.py) are offered in the chat's language first;
  a placeholder such as ``{account}`` in one becomes that value's phrase ("account 1930",
  or "the account named in the error message" when the customer gave none).

The customer's values are the ticket's (the slots when the assistant handed over) updated
by what the conversation's stored events say later: slots the assistant set, and values
the NLU found in messages the customer wrote to the person (Rasa parses them, but sets no
slot while it is paused).  The newest value of each wins.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from bot.catalogue import LANGUAGES, load_catalogue
from bot.catalogue.render import DEFAULT_LANGUAGE, render_fix, value_phrases
from bot.storage.events import EventRepository
from bot.storage.tickets import HandoffTicket, stored_timestamp
from bot.storage.unit_of_work import UnitOfWork

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Customer messages this long before the ticket was written are read too (the turn that
# escalated, clocks of two processes).
HANDOVER_SLACK_SECONDS = 5.0


def _value_names() -> Tuple[str, ...]:
    return tuple(load_catalogue().values)


def customer_values(ticket_values: Optional[Mapping[str, Any]],
                    events: Iterable[Mapping[str, Any]]) -> Dict[str, str]:
    """The customer's values: the ticket's, then each slot set and each value found in a
    customer message (Rasa's serialised events, oldest first), the newest winning."""
    names = _value_names()
    values = {name: str(value) for name, value in (ticket_values or {}).items()
              if name in names and value}
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") in names and event.get("value"):
            values[event["name"]] = str(event["value"])
        elif kind == "user":
            for entity in (event.get("parse_data") or {}).get("entities") or []:
                if isinstance(entity, dict) and entity.get("entity") in names and entity.get("value"):
                    values[entity["entity"]] = str(entity["value"])
    return values


def customer_language(ticket_language: Optional[str], events: Iterable[Mapping[str, Any]]) -> str:
    """The conversation's language: its latest ``language`` slot, else the ticket's."""
    language = ticket_language
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "language" \
                and event.get("value") in LANGUAGES:
            language = event["value"]
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def with_customer_values(text: str, language: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{value name}`` of the catalogue as its phrase in ``language``;
    any other braces are left as they are (a canned reply is the admin's free text)."""
    phrases = value_phrases(language if language in LANGUAGES else DEFAULT_LANGUAGE,
                            values, load_catalogue())
    return _PLACEHOLDER.sub(lambda m: phrases.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True)
class ChatContext:
    """What assist knows about a chat: the error understood, the language, the values."""

    detected_error: Optional[str]
    language: str
    values: Dict[str, str]


def chat_context(events: EventRepository, ticket: HandoffTicket) -> ChatContext:
    """Reads the slots of the values and the language, and only the customer's messages
    since the ticket (before it, the assistant was listening and set slots from them)."""
    stored = events.value_events(ticket.conversation_id, [*_value_names(), "language"],
                                 (stored_timestamp(ticket.created_at) or 0.0) - HANDOVER_SLACK_SECONDS)
    return ChatContext(
        detected_error=ticket.detected_error,
        language=customer_language(ticket.language, stored),
        values=customer_values(ticket.extracted_values, stored),
    )


@dataclass(frozen=True)
class Suggestion:
    intent: str
    title: str
    language: str
    text: str


def suggest(context: ChatContext, intent: Optional[str] = None,
            language: Optional[str] = None) -> Optional[Suggestion]:
    """The fix for ``intent`` (default: the error understood) in ``language`` (default: the
    customer's) with the customer's values; None when there is no such error."""
    catalogue = load_catalogue()
    intent = intent or context.detected_error
    if intent not in catalogue:
        return None
    language = language if language in LANGUAGES else context.language
    return Suggestion(intent=intent, title=catalogue.get(intent).title[language],
                      language=language, text=render_fix(intent, language, context.values, catalogue))


@dataclass(frozen=True)
class CannedChoice:
    shortcut: str
    language: str
    title: str
    text: str


def canned_replies(uow: UnitOfWork, context: ChatContext) -> List[CannedChoice]:
    """Every canned reply, the chat's language first, placeholders filled for this chat."""
    with uow:
        rows = uow.canned_replies.all(language_first=context.language)
        return [CannedChoice(r.shortcut, r.language, r.title,
                             with_customer_values(r.text, r.language, context.values))
                for r in rows]
