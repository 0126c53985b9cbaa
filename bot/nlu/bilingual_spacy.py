"""spaCy for two languages in one Rasa pipeline.

Rasa's SpacyNLP loads one pretrained package; none can be downloaded here, and the
customers write English and Swedish.  This component builds blank ``en`` and ``sv``
pipelines with spaCy's lookup lemmatiser (its tables come installed with
spacy-lookups-data, nothing is fetched), and gives each message the pipeline of its
language.  SpacyTokenizer then yields language-aware tokens and lemmas, so
"kontot"/"konton" and "accounts"/"account" share features.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, List, Optional, Text

import spacy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

from bot.nlu.language import detect_language

DEFAULT_LANGUAGE = "en"


@functools.lru_cache(maxsize=None)
def build_blank_pipeline(language: str) -> Language:
    """A blank spaCy pipeline with lookup lemmas for the language, built once per process.

    Rasa makes this component twice per model (the node that provides the spaCy model
    and the node that processes messages), and the Swedish lemma table alone (660,000
    words) takes 3 s to build.  The pipelines are only read, so the two share them."""
    nlp = spacy.blank(language)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="BilingualSpacyNLP",
)
class BilingualSpacyNLP(SpacyNLP):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"case_sensitive": False, "languages": ["en", "sv"]}

    def __init__(
        self, model: SpacyModel, config: Dict[Text, Any], pipelines: Dict[str, Language]
    ) -> None:
        super().__init__(model, config)
        self._pipelines = pipelines

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "BilingualSpacyNLP":
        config = {**cls.get_default_config(), **config}
        pipelines = {lang: build_blank_pipeline(lang) for lang in config["languages"]}
        # Other spaCy components ask for "the" model; they get the default language's.
        name = "blank-" + "+".join(config["languages"])
        model = SpacyModel(model=pipelines[DEFAULT_LANGUAGE], model_name=name)
        return cls(model, config, pipelines)

    def pipeline_for(self, text: str) -> Language:
        language = detect_language(text) or DEFAULT_LANGUAGE
        return self._pipelines.get(language, self._pipelines[DEFAULT_LANGUAGE])

    def _doc_for_text(self, model: Optional[Language], text: Text) -> Any:
        return self.pipeline_for(text)(self._preprocess_text(text))

    def process_training_data(
        self, training_data: TrainingData, model: SpacyModel
    ) -> TrainingData:
        for example in training_data.training_examples:
            self._set_docs(example)
        return training_data

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        for message in messages:
            self._set_docs(message)
        return messages

    def _set_docs(self, message: Message) -> None:
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            text = message.get(attribute)
            if text:
                message.set(SPACY_DOCS[attribute], self._doc_for_text(None, text))
