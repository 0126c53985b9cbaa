"""Adds the values a message carries (account, series, FileId, ...) and its language as entities.

The widget sends message metadata: ``language`` (the page's language) and, when the chat
was opened from a failed transaction, ``transaction`` (its error text, accounting
system, ...).  A transaction's error text was not typed by the customer, so the page's
language wins over the language the error happens to be written in.  So does it over a
pasted error text, JSON body or code in a typed message (``message_language``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.extract import extract_accounting_system, extract_values, valid_value
from bot.nlu.pasted import message_language

LANGUAGE_ENTITY = "language"
LANGUAGES = ("en", "sv")


def checked_payload_entities(entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The entities a button payload named (``/greet{"language": "sv"}``) that pass the
    same checks as extracted ones; the rest are dropped (logged by the caller).  Without
    this, ``/account_not_active{"account": "**x** [link](…)"}`` put markup into the
    assistant's own reply (issue 14, item 9)."""
    return [entity for entity in entities if payload_entity_valid(entity)]


def payload_entity_valid(entity: Any) -> bool:
    if not isinstance(entity, dict):
        return False
    name, value = entity.get("entity"), entity.get("value")
    if name == LANGUAGE_ENTITY:
        return value in LANGUAGES
    return valid_value(str(name), value)


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
            entities = self.entities_for(message.get(TEXT) or "", message.get("metadata"))
            if entities:
                message.set(
                    ENTITIES,
                    message.get(ENTITIES, []) + self.add_extractor_name(entities),
                    add_to_output=True,
                )
        return messages

    @staticmethod
    def entities_for(text: str, metadata: Optional[dict] = None) -> List[Dict[str, Any]]:
        metadata = metadata if isinstance(metadata, dict) else {}
        transaction = metadata.get("transaction")
        transaction = transaction if isinstance(transaction, dict) else {}
        values = extract_values(text)
        if "accounting_system" not in values:
            system = extract_accounting_system(str(transaction.get("accountingSystem") or ""))
            if system:
                values["accounting_system"] = system
        entities = [
            {"entity": name, "value": value, **_span(text, value)}
            for name, value in values.items()
        ]
        page_language = metadata.get("language") if metadata.get("language") in LANGUAGES else None
        language = page_language if transaction else message_language(text, page_language)
        if language:
            entities.append({"entity": LANGUAGE_ENTITY, "value": language,
                             "start": 0, "end": len(text)})
        return entities


def _span(text: str, value: str) -> Dict[str, int]:
    """Where the value stands in the text, for reviewers; the whole text if rewritten
    (a series letter written in lower case, a value from a JSON escape)."""
    start = text.find(value)
    return {"start": start, "end": start + len(value)} if start >= 0 else {"start": 0, "end": len(text)}
