"""Overrides the classifier when a message quotes a documented error verbatim.

A pasted "Verifikationsserien är inte manuell (F)" or a Fortnox code is certain;
the classifier's guess is kept in the ranking so reviewers can still see it.
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

from bot.nlu.recognise import UNKNOWN_ERROR, recognise_error
from bot.catalogue.intents import FALLBACK_INTENT

# A known accounting error that is not on the help page: the assistant says what it
# can help with and offers a person, as for any other out-of-scope request.
UNKNOWN_ERROR_INTENT = "out_of_scope"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class ExportErrorRecogniser(GraphComponent, IntentClassifier):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ExportErrorRecogniser":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            recognised = recognise_error(message.get(TEXT) or "")
            if recognised:
                intent = UNKNOWN_ERROR_INTENT if recognised == UNKNOWN_ERROR else recognised
                self._set_certain_intent(message, intent)
        return messages

    @staticmethod
    def _set_certain_intent(message: Message, intent: str) -> None:
        certain = {"name": intent, "confidence": 1.0}
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get("name") not in (intent, FALLBACK_INTENT)
        ]
        message.set(INTENT, certain, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [certain] + ranking, add_to_output=True)
