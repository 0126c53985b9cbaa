"""Checks on what customers send, before the assistant reads it.  Pure functions.

Used by both channels (bot/runtime/channels.py): the REST webhook and the socket.io channel.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from bot.nlu.language import detect_language

# A conversation id is a bearer secret: whoever knows it can read the answers
# (socket.io rooms) and write into the conversation.  So it must be long and random.
# fullmatch: "$" would also match before a trailing newline (issue 14, item 9).
SENDER_ID = re.compile(r"[A-Za-z0-9_-]{16,128}")
MAX_METADATA_CHARS = 4000
# Deeper JSON than any real request has; Python's parser gives up near 1,000 (a 500).
MAX_JSON_DEPTH = 20

POLITE = {
    "too_long": {
        "en": "That message is too long for me (more than {limit} characters). Please paste "
              "just the error message from the top of the transaction details.",
        "sv": "Det meddelandet är för långt för mig (mer än {limit} tecken). Klistra in bara "
              "felmeddelandet som står högst upp i transaktionsdetaljerna.",
    },
    "too_fast": {
        "en": "You are sending messages faster than I can read them. Please wait a minute "
              "and send your message again.",
        "sv": "Du skickar meddelanden snabbare än jag hinner läsa dem. Vänta en minut och "
              "skicka meddelandet igen.",
    },
    "unavailable": {
        "en": "Sorry, I could not handle your message just now. Please send it again in a "
              "moment; if it keeps happening, ask for a person.",
        "sv": "Tyvärr kunde jag inte ta emot ditt meddelande just nu. Skicka det igen om en "
              "stund; om det fortsätter, be att få prata med en person.",
    },
}


def polite(kind: str, text: str = "", limit: int = 0) -> str:
    """The answer of that kind, in the language the customer's text looks like."""
    language = detect_language(text[:500]) or "en"
    thousands = f"{limit:,}".replace(",", "\u00a0" if language == "sv" else ",")
    return POLITE[kind][language].format(limit=thousands)


def fewest_characters(length: int) -> int:
    """How many different characters an id of ``length`` needs.  For the widget's ids (16
    random hex digits) 3: one in 2.3 million has 4 or fewer (a test run drew
    "cffcccdffcc77cdd" when 5 were asked), one in 2.3 trillion has 2 or fewer."""
    return min(8, length // 8 + 1)


def looks_random(sender: str) -> bool:
    """False for ids nobody drew at random: too few different characters for their length
    ("aaaaaaaaaaaaaaaa", "0000000000000001"), or one short block repeated ("abababab…")."""
    if len(set(sender)) < fewest_characters(len(sender)):
        return False
    return not any(
        len(sender) % size == 0 and sender == sender[:size] * (len(sender) // size)
        for size in range(1, len(sender) // 2 + 1)
    )


def sender_problem(sender: Any) -> Optional[str]:
    if not isinstance(sender, str) or not SENDER_ID.fullmatch(sender) or not looks_random(sender):
        return ("'sender' must be a random conversation id of 16 to 128 letters, digits, "
                "'-' or '_' (for example a UUID)")
    return None


def is_unicode(text: str) -> bool:
    """False for a string with a lone surrogate ("\\ud800" in JSON): valid JSON, but no
    text, and the database, the log and the reply all fail on it later."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_shape_problem(value: Any, name: str) -> Optional[str]:
    """Why a parsed JSON value cannot be kept: nested deeper than MAX_JSON_DEPTH, or a
    string (value or key) that is not Unicode text.  Walks without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"'{name}' is nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(item, str) and not is_unicode(item):
            return f"'{name}' holds text that is not valid Unicode (a lone surrogate)"
        if isinstance(item, dict):
            stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            stack.extend((part, depth + 1) for part in item)
    return None


def message_problem(message: Any) -> Optional[str]:
    if not isinstance(message, str):
        return "'message' must be a string"
    return json_shape_problem(message, "message")


def metadata_problem(metadata: Any) -> Optional[str]:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return "'metadata' must be an object"
    problem = json_shape_problem(metadata, "metadata")
    if problem:
        return problem
    if len(repr(metadata)) > MAX_METADATA_CHARS:
        return f"'metadata' must be under {MAX_METADATA_CHARS} characters"
    return None


def request_problem(body: Any) -> Optional[str]:
    """Why a webhook body cannot be accepted, or None if it can."""
    if not isinstance(body, dict):
        return "the body must be a JSON object with 'sender' and 'message'"
    return (
        sender_problem(body.get("sender"))
        or json_shape_problem(body, "body")
        or message_problem(body.get("message"))
        or metadata_problem(body.get("metadata"))
    )


def is_json(content_type: Optional[str]) -> bool:
    """Whether a Content-Type header says JSON ("application/json; charset=utf-8" too)."""
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


def origin_allowed(origin: str, allowed: Iterable[str]) -> bool:
    """Whether a page of ``origin`` (a browser's Origin header) may talk to the assistant."""
    return origin.strip().rstrip("/").lower() in {a.lower() for a in allowed}


def is_too_long(message: str, limit: int) -> bool:
    return len(message) > limit
