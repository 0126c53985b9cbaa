"""Exports: the filtered conversation list as CSV or JSON Lines, one conversation as a
Rasa test story (YAML) that a trainer can add to tests/."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

import yaml

from bot.storage.conversations import ConversationSummary
from bot.storage.events import StoredEvent
from bot.storage.tickets import HandoffTicket, TicketDetails, stored_timestamp

CSV_COLUMNS = [
    "conversation_id", "started", "last_activity", "language", "errors", "escalated",
    "resolved", "fell_back", "lowest_confidence", "customer_messages", "assistant_messages",
    "tags", "reviewed_by", "first_message",
    # Added later, at the end so that readers of the columns above keep working: how the
    # conversation's newest handoff ticket closed (empty without a ticket).
    "handoff_ticket", "handoff_status", "handoff_closed_by", "handoff_closed_at",
    "handoff_resolved_error", "handoff_resolution_note",
]
# Spreadsheets run a cell that starts with these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _iso(timestamp: Optional[float], tz: dt.tzinfo) -> str:
    if timestamp is None:
        return ""
    return dt.datetime.fromtimestamp(timestamp, tz).isoformat(timespec="seconds")


def handoff_outcome(ticket: Optional[HandoffTicket], details: Optional[TicketDetails],
                    tz: dt.tzinfo) -> Dict[str, Any]:
    """A ticket's status and how it closed: who, when, the error it really was and the
    resolution note (masked when stored), as the exports, the API and the transcript
    show it."""
    return {
        "handoff_ticket": ticket.id if ticket else None,
        "handoff_status": ticket.status if ticket else None,
        "handoff_closed_by": details.closed_by if details else None,
        "handoff_closed_at": _iso(stored_timestamp(details.closed_at), tz) or None
        if details else None,
        "handoff_resolved_error": details.resolved_error if details else None,
        "handoff_resolution_note": details.resolution_note if details else None,
    }


def export_record(
    row: ConversationSummary, tags: Sequence[str], reviewed_by: Optional[str], tz: dt.tzinfo,
    ticket: Optional[HandoffTicket] = None, details: Optional[TicketDetails] = None,
) -> Dict[str, Any]:
    return {
        "conversation_id": row.conversation_id,
        "started": _iso(row.first_ts, tz),
        "last_activity": _iso(row.last_ts, tz),
        "language": row.language,
        "errors": row.error_list,
        "escalated": bool(row.escalated),
        "resolved": bool(row.resolved),
        "fell_back": bool(row.fell_back),
        "lowest_confidence": row.min_confidence,
        "customer_messages": row.user_messages,
        "assistant_messages": row.bot_messages,
        "tags": list(tags),
        "reviewed_by": reviewed_by,
        "first_message": row.first_message,
        **handoff_outcome(ticket, details, tz),
    }


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = " ".join(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_lines(records: Iterable[Dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow([_csv_cell(record[column]) for column in CSV_COLUMNS])
        if buffer.tell() > 32_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_lines(records: Iterable[Dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


# -- Rasa test story

SKIPPED_ACTIONS = {"action_listen", "action_session_start"}
# Entities the pipeline adds to every message (ExportValueExtractor's language): a test
# story cannot annotate them inline (they span the whole message).
UNANNOTATED_ENTITIES = {"language"}
_ANNOTATION_CHARS = re.compile(r"[\[\]]")


def _locate(text: str, entity: Dict[str, Any], taken: List[range]) -> Optional[range]:
    value = str(entity.get("value", ""))
    start, end = entity.get("start"), entity.get("end")
    candidates = []
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        if text[start:end].lower() == value.lower():
            candidates.append(range(start, end))
    if value:
        for match in re.finditer(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE):
            candidates.append(range(match.start(), match.end()))
    for span in candidates:
        if not any(span.start < t.stop and t.start < span.stop for t in taken):
            return span
    return None


def annotate(text: str, entities: Sequence[Dict[str, Any]]) -> str:
    """The text with Rasa's inline entity annotations: ``account [1930](account)``."""
    spans = []
    taken: List[range] = []
    for entity in entities:
        if entity.get("entity") in UNANNOTATED_ENTITIES:
            continue
        span = _locate(text, entity, taken)
        if span is None:
            continue
        taken.append(span)
        spans.append((span, entity))
    out, position = [], 0
    for span, entity in sorted(spans, key=lambda s: s[0].start):
        out.append(text[position:span.start])
        surface = text[span.start:span.stop]
        name, value = entity.get("entity"), entity.get("value")
        if surface == str(value):
            out.append(f"[{surface}]({name})")
        else:
            out.append(f"[{surface}]" + json.dumps({"entity": name, "value": value}, ensure_ascii=False))
        position = span.stop
    out.append(text[position:])
    return "".join(out)


def story_steps(events: Sequence[StoredEvent]) -> List[Dict[str, Any]]:
    steps: List[Dict[str, Any]] = []
    for event in events:
        data = event.data
        kind = data.get("event") or event.type_name
        if kind == "user":
            parse = data.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name")
            if not intent:
                continue
            text = (data.get("text") or "").strip()
            entities = [e for e in parse.get("entities") or [] if isinstance(e, dict)]
            if text and not text.startswith("/"):
                # Brackets of the customer's own would read as annotations.
                clean = _ANNOTATION_CHARS.sub(
                    lambda m: "(" if m.group(0) == "[" else ")", text
                )
                steps.append({"user": annotate(clean, entities), "intent": intent})
            else:
                step: Dict[str, Any] = {"intent": intent}
                values = [
                    {e["entity"]: e.get("value")}
                    for e in entities
                    if e.get("entity") not in UNANNOTATED_ENTITIES and e.get("entity")
                ]
                if values:
                    step["entities"] = values
                steps.append(step)
        elif kind == "action":
            name = data.get("name")
            if name and name not in SKIPPED_ACTIONS:
                steps.append({"action": name})
        elif kind == "slot":
            name = data.get("name")
            if name:
                if steps and "slot_was_set" in steps[-1]:
                    steps[-1]["slot_was_set"].append({name: data.get("value")})
                else:
                    steps.append({"slot_was_set": [{name: data.get("value")}]})
    return steps


def story_yaml(conversation_id: str, events: Sequence[StoredEvent], exported_by: str = "") -> str:
    """A Rasa 3 test story of the conversation, ready for tests/test_stories.yml."""
    story = {
        "version": "3.1",
        "stories": [{"story": f"conversation {conversation_id}", "steps": story_steps(events)}],
    }
    header = (
        f"# Conversation {conversation_id}, exported from the staff console"
        + (f" by {exported_by}" if exported_by else "")
        + ".\n# Customer messages are masked; check the steps before adding it to tests/.\n"
    )
    return header + yaml.safe_dump(story, sort_keys=False, allow_unicode=True, width=100)
