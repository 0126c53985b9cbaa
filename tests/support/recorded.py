"""The recorded conversations (tests/runtime/recorded/) and what the policies predict on
them, for the tests that replay them against Rasa's own behaviour."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, List, Optional

from rasa.shared.core.events import Event, deserialise_events

RECORDED = Path(__file__).parents[1] / "runtime" / "recorded"


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
