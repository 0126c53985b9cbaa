"""The recorded conversations (tests/runtime/recorded/) and what the policies predict on
them, for the tests that replay them against Rasa's own behaviour."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, List, Optional

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    LoopInterrupted,
    Restarted,
    SlotSet,
    UserUttered,
    deserialise_events,
)

RECORDED = Path(__file__).parents[1] / "runtime" / "recorded"

def unrecorded_events() -> List[Event]:
    """A handoff, a restart and a form interrupted: what the recordings do not contain
    (new objects at each call: a tracker's update can change an event's metadata)."""
    return [
        ActionExecuted("action_listen"),
        UserUttered("I want a person", {"intent": {"name": "request_human", "confidence": 0.9}}),
        ActionExecuted("action_handoff"), BotUttered("A person will take over."),
        ConversationPaused(), UserUttered("hello?"), ConversationResumed(),
        ActionExecuted("email_form"), ActiveLoop("email_form"),
        SlotSet("requested_slot", "contact_email"), ActionExecuted("action_listen"),
        UserUttered("what?", {"intent": {"name": "out_of_scope", "confidence": 0.8}}),
        LoopInterrupted(True), ActionExecuted("utter_default"), ActionReverted(),
        AllSlotsReset(), ActiveLoop(None), Restarted(), ActionExecuted("action_listen"),
    ]


def recorded_events(name: str) -> List[Event]:
    """The events of the recorded conversation ``name`` ("mixed-200", "swedish-90")."""
    with gzip.open(RECORDED / f"{name}.json.gz", "rt", encoding="utf-8") as file:
        return deserialise_events(json.load(file))


def prediction(agent: Any, tracker: Any, confidence_digits: Optional[int] = None) -> tuple:
    """The next action the agent's policies predict for ``tracker``: its name, confidence
    (rounded to ``confidence_digits`` when given), policy and events (without their
    timestamps, which are the time of the prediction)."""
    predicted = agent.processor._predict_next_with_tracker(tracker)
    confidence = predicted.max_confidence
    if confidence_digits is not None:
        confidence = round(confidence, confidence_digits)
    return (agent.domain.action_names_or_texts[predicted.max_confidence_index],
            confidence, predicted.policy_name,
            [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in predicted.events])
