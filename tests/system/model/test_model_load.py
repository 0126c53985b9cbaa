"""Loading DIET without Rasa's one training step, calling its traced graph directly,
joining the sparse features without scipy's block code and counting n-grams without
sklearn's transform (bot/runtime/rasa_patches.py, patches 6, 7, 12 and 14) give exactly
Rasa's parses: every held-out and validation message, confidences and rankings included."""
from rasa.core.agent import Agent
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data.features import Features
from rasa.utils.tensorflow.models import RasaModel

from bot.runtime import rasa_patches
from bot.trainer.evaluation import DEFAULT_DATA, DEFAULT_MODEL, load_examples

VALIDATION = DEFAULT_DATA.parent / "nlu_validation"


def swapped(rasas: bool):
    """(class, attribute, function): Rasa's functions (kept by apply()) or the patches'."""
    p = rasa_patches
    return [
        (RasaModel, "load", classmethod(p.rasas_model_load if rasas else p.load_tensorflow_model)),
        (RasaModel, "_rasa_predict", p.rasas_rasa_predict if rasas else p.predict_with_traced_graph),
        (Features, "_combine_sparse_features",
         p.rasas_combine_sparse_features if rasas else p.combine_sparse_features),
        (CountVectorsFeaturizer, "_create_features",
         p.rasas_create_count_features if rasas else p.create_count_features),
    ]


async def parses(monkeypatch, rasas: bool):
    for owner, name, function in swapped(rasas):
        monkeypatch.setattr(owner, name, function)
    agent = Agent.load(str(DEFAULT_MODEL))
    texts = [text for folder in (DEFAULT_DATA, VALIDATION) for _, _, text in load_examples(folder)]
    # Twice: the first parse of a loaded model may take another path than the later ones.
    return [await agent.parse_message(text) for text in texts + texts[:20]]


async def test_the_patched_model_parses_exactly_as_rasas(monkeypatch):
    assert DEFAULT_MODEL.exists(), "no trained model: run `make train` (make test does)"
    rasa_patches.apply()  # keeps Rasa's functions, whichever test applied it first
    for _, name, function in swapped(rasas=True):
        function = getattr(function, "__func__", function)
        assert function.__module__.startswith("rasa."), f"{name}: not Rasa's own"
    expected = await parses(monkeypatch, rasas=True)
    actual = await parses(monkeypatch, rasas=False)
    assert len(actual) == len(expected) > 1000
    assert actual == expected
