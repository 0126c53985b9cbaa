"""Rasa's fallback, with a question between two close errors and no fix for personal data alone.

Takes FallbackClassifier's place in the pipeline (config.yml).  What to do is decided by
bot/nlu/decide.py with the thresholds of bot/settings.py; this component only writes the
answer into the message: the intent stays, or becomes ``nlu_fallback`` (the classifier's
ranking is kept for reviewers), and two more keys of the parse data tell the fallback
action (actions/escalation.py) what to say: ``clarify`` (the two errors to ask between)
and ``personal_data_only``.  A message already not understood (keyboard mash) stays so.  It also puts back
the text as written, which the pipeline read masked (bot/nlu/guard.py): the actions read it.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.catalogue.intents import FALLBACK_INTENT
from bot.nlu.decide import (
    CLARIFY,
    CLARIFY_KEY,
    INTENT as KEEP_INTENT,
    PERSONAL_DATA_KEY,
    Thresholds,
    decide,
)
from bot.nlu.guard import UNMASKED_TEXT
from bot.nlu.personal_data import only_personal_data


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class ConfidenceGate(GraphComponent, IntentClassifier):
    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ConfidenceGate":
        from bot.settings import settings

        return cls(Thresholds.from_settings(settings()))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.gate(message)
        return messages

    def gate(self, message: Message) -> None:
        masked = message.get(TEXT) or ""
        if message.get(UNMASKED_TEXT) is not None:
            message.set(TEXT, message.get(UNMASKED_TEXT))  # read by the actions: as written
        intent = message.get(INTENT) or {}
        if intent.get("name") == FALLBACK_INTENT:
            return
        ranking = message.get(INTENT_RANKING_KEY) or ([intent] if intent.get("name") else [])
        if only_personal_data(masked):
            message.set(PERSONAL_DATA_KEY, True, add_to_output=True)
            self._not_understood(message, ranking, 1.0)
            return
        decision = decide(ranking, self.thresholds)
        if decision.kind == KEEP_INTENT:
            return
        if decision.kind == CLARIFY:
            message.set(CLARIFY_KEY, list(decision.choices), add_to_output=True)
        self._not_understood(message, ranking, float(intent.get("confidence") or 0.0))

    @staticmethod
    def _not_understood(message: Message, ranking: List[dict], confidence: float) -> None:
        fallback = {"name": FALLBACK_INTENT, "confidence": confidence}
        message.set(INTENT, fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [fallback] + [r for r in ranking if r.get("name") != FALLBACK_INTENT],
                    add_to_output=True)
