"""Patch 11 (bot/runtime/rasa_patches.py): the RulePolicy's dialogue states, computed once
per tracker and events, predict exactly what Rasa's computed-every-time states do.

The recorded conversations (tests/runtime/recorded/) are replayed event by event; before
every action the prediction is asked for twice in a row, as a turn may (the two passes of
one prediction share the states; a second prediction must not see the first one's edits).
"""
import pytest
from rasa.core.agent import Agent
from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime import rasa_patches
from bot.trainer.evaluation import DEFAULT_MODEL
from tests.support.recorded import prediction, recorded_events


@pytest.fixture(scope="module")
def agent():
    assert DEFAULT_MODEL.exists(), "no trained model: run `make train` (make test does)"
    rasa_patches.apply()  # keeps Rasa's functions, whichever test applied it first
    return Agent.load(str(DEFAULT_MODEL))


def predictions(agent, events):
    tracker = DialogueStateTracker("replayed", agent.domain.slots)
    made = []
    for event in events:
        if isinstance(event, ActionExecuted) and tracker.events:
            made.append(prediction(agent, tracker))
            made.append(prediction(agent, tracker))
        tracker.update(event)
    return made


@pytest.mark.parametrize("name, events_used", [("swedish-90", None), ("mixed-200", 600)])
def test_states_computed_once_predict_what_rasas_do(agent, name, events_used, monkeypatch):
    events = recorded_events(name)[:events_used]
    assert TrackerFeaturizer._create_states is rasa_patches.create_states_once, "patch 11 not applied"
    patched = predictions(agent, events)
    monkeypatch.setattr(TrackerFeaturizer, "_create_states",
                        staticmethod(rasa_patches.rasas_create_states))
    assert predictions(agent, events) == patched
    assert len({p[0] for p in patched}) > 8  # many different actions were predicted
