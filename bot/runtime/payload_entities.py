"""Button payloads' entities get the checks extracted ones get (issue 14, item 9).

A message starting with "/" (``/account_not_active{"account": "1930"}``) is unpacked by
Rasa's RegexMessageHandler, the last node of the NLU graph: its entities replace whatever
the pipeline found, so they never met bot/nlu/values.py.  ``apply`` (called by
bot/runtime/rasa_server.py before Rasa loads a model) wraps the handler so every entity it
unpacked passes ``checked_payload_entities``; a value no extractor could have given is
dropped and logged, and the message is answered as if it had no such value.
"""
from __future__ import annotations

import logging
from typing import Any, List

from rasa.shared.nlu.constants import ENTITIES

from bot.nlu.values import checked_payload_entities

logger = logging.getLogger(__name__)


def check_entities(messages: List[Any]) -> List[Any]:
    """The messages with every entity that fails the value checks removed."""
    for message in messages:
        entities = message.get(ENTITIES) or []
        kept = checked_payload_entities(entities)
        if len(kept) != len(entities):
            logger.warning("dropped %d payload value(s) no extractor would give",
                           len(entities) - len(kept))
            message.set(ENTITIES, kept, add_to_output=True)
    return messages


def apply() -> None:
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler

    unpack = RegexMessageHandler.process
    if getattr(unpack, "checks_values", False):
        return

    def process(self, messages, domain=None):
        return check_entities(unpack(self, messages, domain))

    process.checks_values = True
    RegexMessageHandler.process = process
