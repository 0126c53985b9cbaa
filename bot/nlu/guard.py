"""Keeps what the NLU pipeline reads to a sane size, free of control characters and of
personal data.

Only what the pipeline reads changes: Rasa stores the message as the customer sent
it, so nothing is lost for the transcript.  A pasted log of 100,000 characters would
otherwise cost the transformer seconds of CPU and gigabytes of memory.  Personal data is
masked as bot/privacy.py masks it for storage: a personnummer is no date and no account
to the classifier (issue 13, item 12), just ``[personnummer]``.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.privacy import mask_text

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Where the guard keeps the text before masking: the ConfidenceGate (bot/nlu/confidence_gate.py)
# puts it back once the classifier has read the masked one, so that the parse data's text,
# which the actions read (an e-mail address for the e-mail form), is what the customer wrote.
UNMASKED_TEXT = "unmasked_text"


def clean_for_nlu(text: str, max_chars: int) -> str:
    return mask_text(_CONTROL.sub(" ", text[:max_chars]))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class MessageGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # An error message with its context fits easily in 2,000 characters.
        return {"max_chars": 2000}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_chars = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MessageGuard":
        return cls({**cls.get_default_config(), **config})

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # The classifier must learn from the text it will read: a training example of
        # small talk with a phone number ("bye, call me on 070-...") is read masked at run
        # time, so it is masked here too.
        for example in training_data.training_examples:
            text = example.get(TEXT)
            if text:
                example.set(TEXT, clean_for_nlu(text, self.max_chars))
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                message.set(UNMASKED_TEXT, _CONTROL.sub(" ", text[: self.max_chars]))
                message.set(TEXT, clean_for_nlu(text, self.max_chars))
        return messages
