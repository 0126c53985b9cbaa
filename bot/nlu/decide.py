"""Whether a classified message gets its intent, a question "Is it A or B?", or "not understood".

Rasa's FallbackClassifier only knows "understood" or not.  For the eight errors a wrong
fix costs the customer more than a question, so: an error below ``fix_confidence`` is no
fix; two errors closer than ``clarify_margin`` (and together at least ``clarify_floor``)
make a question with both as buttons; any other intent below ``intent_confidence``, or
closer than the margin to the next, is not understood.  The thresholds are settings
(bot/settings.py) chosen from the held-out sets' confidences (README "Evaluation").
Pure functions: the NLU component (bot/nlu/confidence_gate.py), the evaluation and the
tests call them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Mapping, Optional, Tuple

from bot.catalogue.intents import ERROR_INTENTS, FALLBACK_INTENT

INTENT, CLARIFY, NOT_UNDERSTOOD = "intent", "clarify", "not_understood"
# Keys of the parse data the fallback action reads: the two errors to ask between, and
# a message of personal data alone.
CLARIFY_KEY, PERSONAL_DATA_KEY = "clarify", "personal_data_only"


@dataclass(frozen=True)
class Thresholds:
    fix: float = 0.9
    intent: float = 0.5
    margin: float = 0.2
    floor: float = 0.7

    @classmethod
    def from_settings(cls, config) -> "Thresholds":
        return cls(config.fix_confidence, config.intent_confidence,
                   config.clarify_margin, config.clarify_floor)


@dataclass(frozen=True)
class Decision:
    kind: str
    intent: Optional[str] = None
    choices: Tuple[str, ...] = ()


def _ranked(ranking: Iterable[Mapping]) -> List[Tuple[str, float]]:
    pairs = [(r.get("name"), float(r.get("confidence") or 0.0)) for r in ranking or []]
    return sorted(((n, c) for n, c in pairs if n and n != FALLBACK_INTENT),
                  key=lambda pair: -pair[1])


def decide(ranking: Iterable[Mapping], thresholds: Thresholds = Thresholds()) -> Decision:
    """What to do with a message, from the classifier's intent ranking."""
    ranked = _ranked(ranking)
    if not ranked:
        return Decision(NOT_UNDERSTOOD)
    (top, confidence), (second, second_confidence) = ranked[0], (ranked + [(None, 0.0)])[1]
    close = confidence - second_confidence < thresholds.margin
    if top in ERROR_INTENTS:
        if second in ERROR_INTENTS and close:
            if confidence + second_confidence >= thresholds.floor:
                return Decision(CLARIFY, choices=(top, second))
            return Decision(NOT_UNDERSTOOD)
        if confidence >= thresholds.fix and not close:
            return Decision(INTENT, top)
        return Decision(NOT_UNDERSTOOD)
    if confidence >= thresholds.intent and not close:
        return Decision(INTENT, top)
    return Decision(NOT_UNDERSTOOD)
