"""The node-by-node graph runner gives exactly what Rasa's dask runner gives: every
parse of the held-out messages and every action prediction of the bench's dialogues."""
import rasa.core.processor
from rasa.core.agent import Agent
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, UserUttered

from bot.ops.bench_scripts import CONVERSATIONS
from bot.trainer.evaluation import DEFAULT_DATA, DEFAULT_MODEL, load_examples
from bot.runtime.graph_runner import SequentialGraphRunner


async def outputs(runner, monkeypatch):
    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", runner)
    agent = Agent.load(str(DEFAULT_MODEL))
    assert isinstance(agent.processor.graph_runner, runner)
    seen = [await agent.parse_message(text) for _, _, text in load_examples(DEFAULT_DATA)]
    processor = agent.processor
    for number, conversation in enumerate(CONVERSATIONS):
        tracker = await processor.get_tracker(f"graph-runner-{number}")
        for text in conversation:
            parsed = await agent.parse_message(text)
            tracker.update(UserUttered(text, parsed["intent"], parsed["entities"], parse_data=parsed))
            for _ in range(3):
                prediction = processor._predict_next_with_tracker(tracker)
                seen.append((prediction.policy_name, prediction.probabilities, prediction.events))
                action = processor.domain.action_names_or_texts[prediction.max_confidence_index]
                tracker.update(ActionExecuted(action))
                if action == "action_listen":
                    break
    return seen


async def test_same_parses_and_predictions_as_rasas_dask_runner(monkeypatch):
    assert DEFAULT_MODEL.exists(), "no trained model: run `make train` (make test does)"
    expected = await outputs(DaskGraphRunner, monkeypatch)
    actual = await outputs(SequentialGraphRunner, monkeypatch)
    assert len(actual) == len(expected) > 300
    assert [repr(a) for a in actual] == [repr(e) for e in expected]
