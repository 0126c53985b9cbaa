"""Builds rasa-sdk Trackers the way the action server receives them."""
from __future__ import annotations

from typing import Dict, List, Optional

from rasa_sdk import Tracker


def user_event(text: str, intent: str, confidence: float = 0.9, entities=None) -> dict:
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
            "entities": entities or [],
        },
    }


def make_tracker(
    turns: List[tuple],
    slots: Optional[Dict] = None,
    sender_id: str = "customer-1",
) -> Tracker:
    """turns: (text, intent) pairs, oldest first; the last one is the latest message."""
    events = [user_event(text, intent) for text, intent in turns]
    latest = events[-1]["parse_data"] if events else {}
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
