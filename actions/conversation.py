"""Reading what the actions need from a conversation's tracker.  Pure functions."""
from __future__ import annotations

from typing import Dict, List, Optional

from rasa_sdk import Tracker

from bot.nlu.extract import EXTRACTORS
from bot.nlu.decide import CLARIFY_KEY, PERSONAL_DATA_KEY
from bot.nlu.pasted import message_language
from bot.catalogue.intents import FALLBACK_INTENT

DEFAULT_LANGUAGE = "en"


def language_of(tracker: Tracker) -> str:
    """The conversation's language: the slot, else what the last message looks like
    (its own words before any error it pastes)."""
    slot = tracker.get_slot("language")
    if slot in ("en", "sv"):
        return slot
    text = tracker.latest_message.get("text") or ""
    return message_language(text) or DEFAULT_LANGUAGE


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the latest message as classified, nlu_fallback included."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def values_of(tracker: Tracker) -> Dict[str, str]:
    """The bookkeeping values the customer gave so far (slots filled from entities)."""
    return {name: tracker.get_slot(name) for name in EXTRACTORS if tracker.get_slot(name)}


def user_messages(tracker: Tracker) -> List[dict]:
    return [event for event in tracker.events if event.get("event") == "user"]


def recent_customer_messages(tracker: Tracker, limit: int) -> List[str]:
    """The customer's latest typed messages, oldest first (button payloads left out)."""
    texts = [
        event.get("text") or ""
        for event in user_messages(tracker)
        if not (event.get("text") or "").startswith("/")
    ]
    return texts[-limit:] if limit > 0 else []


def _intent_name(event: dict) -> Optional[str]:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def is_blank(text: Optional[str]) -> bool:
    """Nothing a person could have meant: empty, spaces, control characters."""
    return not "".join(ch for ch in (text or "") if ch.isprintable()).strip()


def consecutive_misunderstood(tracker: Tracker) -> int:
    """How many of the latest user messages in a row fell back, counting the last one.

    A blank message (an Enter pressed by mistake) or one of personal data alone neither
    counts nor breaks the run; one answered "Is it A or B?" was understood well enough.
    """
    count = 0
    for event in reversed(user_messages(tracker)):
        parse_data = event.get("parse_data") or {}
        if is_blank(event.get("text")) or parse_data.get(PERSONAL_DATA_KEY) is True:
            continue
        if _intent_name(event) != FALLBACK_INTENT or parse_data.get(CLARIFY_KEY):
            break
        count += 1
    return count
