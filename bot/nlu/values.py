"""Adds the values a message carries (account, series, FileId, ...) and its language as entities."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.extract import extract_values
from bot.language import detect_language

LANGUAGE_ENTITY = "language"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class ExportValueExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ExportValueExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = self.entities_for(message.get(TEXT) or "")
            if entities:
                message.set(
                    ENTITIES,
                    message.get(ENTITIES, []) + self.add_extractor_name(entities),
                    add_to_output=True,
                )
        return messages

    @staticmethod
    def entities_for(text: str) -> List[Dict[str, Any]]:
        entities = [
            {"entity": name, "value": value, **_span(text, value)}
            for name, value in extract_values(text).items()
        ]
        language = detect_language(text)
        if language:
            entities.append({"entity": LANGUAGE_ENTITY, "value": language,
                             "start": 0, "end": len(text)})
        return entities


def _span(text: str, value: str) -> Dict[str, int]:
    """Where the value stands in the text, for reviewers; the whole text if rewritten
    (a series letter written in lower case, a value from a JSON escape)."""
    start = text.find(value)
    return {"start": start, "end": start + len(value)} if start >= 0 else {"start": 0, "end": len(text)}
