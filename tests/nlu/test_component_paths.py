"""Trained models name their custom components by class path (metadata.json's "uses").

A model trained before the layout changed names the same paths, so a model in
models/registry/ can be rolled back to only while every path below still imports and is
a Rasa graph component.  The list is what a model trained at commit abd5ece names.
"""
import pytest
from rasa.engine.graph import GraphComponent
from rasa.shared.utils.common import class_from_module_path

from bot.runtime.rasa_patches import apply

NAMED_BY_TRAINED_MODELS = [
    "bot.nlu.bilingual_spacy.BilingualSpacyNLP",
    "bot.nlu.confidence_gate.ConfidenceGate",
    "bot.nlu.guard.MessageGuard",
    "bot.nlu.recogniser.ExportErrorRecogniser",
    "bot.nlu.unknown_words.UnknownWordsFallback",
    "bot.nlu.values.ExportValueExtractor",
]


@pytest.mark.parametrize("path", NAMED_BY_TRAINED_MODELS)
def test_a_component_path_named_by_trained_models_still_resolves(path):
    apply()  # as in the Rasa server, which loads models with the patches applied
    component = class_from_module_path(path)
    assert issubclass(component, GraphComponent)
    assert f"{component.__module__}.{component.__name__}" == path


def test_config_names_exactly_these_custom_components():
    import yaml

    from bot.settings import PROJECT_ROOT

    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    custom = [step["name"] for step in config["pipeline"] if step["name"].startswith("bot.")]
    assert sorted(custom) == NAMED_BY_TRAINED_MODELS
