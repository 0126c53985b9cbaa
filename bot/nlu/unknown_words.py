"""Falls back on keyboard mash (no word known from the training data) and on messages of symbols
alone, without a letter or digit (see bot/nlu/vocabulary.py)."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.vocabulary import (
    build_vocabulary,
    has_nothing_to_read,
    looks_like_keyboard_mash,
    vocabulary_alphabet,
    vocabulary_trigrams,
)
from bot.catalogue.intents import FALLBACK_INTENT

VOCABULARY_FILE = "vocabulary.json"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Optional[Set[str]] = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._use(vocabulary or set())

    def _use(self, vocabulary: Set[str]) -> None:
        """The vocabulary, and what every message's check derives from it, built once."""
        self.vocabulary = vocabulary
        self.known_trigrams = vocabulary_trigrams(vocabulary)
        self.alphabet = vocabulary_alphabet(vocabulary)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UnknownWordsFallback":
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self._use(build_vocabulary(
            example.get(TEXT) or "" for example in training_data.intent_examples
        ))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(sorted(self.vocabulary), ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "UnknownWordsFallback":
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            words = []
        return cls(model_storage, resource, set(words))

    def process(self, messages: List[Message]) -> List[Message]:
        if not self.vocabulary:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            if has_nothing_to_read(text) or looks_like_keyboard_mash(
                    text, self.vocabulary, self.known_trigrams, self.alphabet):
                fallback = {"name": FALLBACK_INTENT, "confidence": 0.0}
                ranking = message.get(INTENT_RANKING_KEY) or []
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback] + ranking, add_to_output=True)
        return messages
