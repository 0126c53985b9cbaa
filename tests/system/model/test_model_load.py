"""Loading DIET without Rasa's one training step, calling its traced graph directly and
joining the sparse features without scipy's block code (bot/runtime/rasa_patches.py,
patches 6, 7 and 12) give exactly Rasa's parses: every held-out and validation message,
confidences and rankings included."""
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.features import Features
from rasa.utils.tensorflow.models import RasaModel

from bot.runtime import rasa_patches
from bot.trainer.evaluation import DEFAULT_DATA, DEFAULT_MODEL, load_examples

VALIDATION = DEFAULT_DATA.parent / "nlu_validation"


async def parses(monkeypatch, load, predict, combine):
    monkeypatch.setattr(RasaModel, "load", classmethod(load))
    monkeypatch.setattr(RasaModel, "_rasa_predict", predict)
    monkeypatch.setattr(Features, "_combine_sparse_features", combine)
    agent = Agent.load(str(DEFAULT_MODEL))
    texts = [text for folder in (DEFAULT_DATA, VALIDATION) for _, _, text in load_examples(folder)]
    # Twice: the first parse of a loaded model may take another path than the later ones.
    return [await agent.parse_message(text) for text in texts + texts[:20]]


async def test_the_patched_model_parses_exactly_as_rasas(monkeypatch):
    assert DEFAULT_MODEL.exists(), "no trained model: run `make train` (make test does)"
    rasa_patches.apply()  # keeps Rasa's functions, whichever test applied it first
    rasas_load, rasas_predict = rasa_patches.rasas_model_load, rasa_patches.rasas_rasa_predict
    assert rasas_load.__module__ == rasas_predict.__module__ == "rasa.utils.tensorflow.models"
    rasas_combine = rasa_patches.rasas_combine_sparse_features
    assert rasas_combine.__module__ == "rasa.shared.nlu.training_data.features"
    expected = await parses(monkeypatch, rasas_load, rasas_predict, rasas_combine)
    actual = await parses(monkeypatch, rasa_patches.load_tensorflow_model,
                          rasa_patches.predict_with_traced_graph,
                          rasa_patches.combine_sparse_features)
    assert len(actual) == len(expected) > 1000
    assert actual == expected
