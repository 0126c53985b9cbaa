"""A turn read as a window (bot/runtime/tracker_window.py) predicts and hands the actions
exactly what the whole conversation would.

Recorded conversations (tests/runtime/recorded/: 200 and 90 turns through the embedded
assistant, both languages, fixes, fallbacks and their reverts, escalations, the e-mail
form, button payloads, personal data) are replayed turn by turn twice: through the
tracker store as a server runs it (windows and checkpoints, SQLite), and as one tracker
that holds everything, as stock Rasa replays it.  Before every action the policy's
prediction must be the same, and so must everything an action reads of the tracker.
"""
import pytest
from rasa.core.agent import Agent
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker

from actions.conversation import consecutive_misunderstood, recent_customer_messages
from actions.escalation import client_key_of, unprompted_payload
from bot.runtime.tracker_store import ConfiguredSQLTrackerStore
from bot.runtime.tracker_window import window_of
from bot.trainer.evaluation import DEFAULT_MODEL
from tests.support.recorded import prediction, recorded_events


@pytest.fixture(scope="module")
def agent():
    assert DEFAULT_MODEL.exists(), "no trained model: run `make train` (make test does)"
    return Agent.load(str(DEFAULT_MODEL))


def turns(events):
    """The recorded events cut before each customer message: the session's start, then
    one list per turn."""
    starts = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
    bounds = [0] + starts + [len(events)]
    return [events[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def what_an_action_reads(tracker: DialogueStateTracker):
    """The tracker as the action server gets it, and what the actions compute from it."""
    state = tracker.current_state(EventVerbosity.ALL)
    sdk = Tracker.from_dict(state)
    return {
        "slots": state["slots"], "latest_message": state["latest_message"],
        "paused": state["paused"], "active_loop": state["active_loop"],
        "latest_action": state["latest_action"], "followup": state["followup_action"],
        "recent": recent_customer_messages(sdk, 5), "misunderstood": consecutive_misunderstood(sdk),
        "unprompted": unprompted_payload(sdk), "client": client_key_of(sdk),
    }


@pytest.mark.parametrize("name", ["mixed-200", "swedish-90"])
async def test_a_window_predicts_and_tells_the_actions_what_the_whole_conversation_would(
        agent, name, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_WINDOW_MESSAGES", "6")
    events = recorded_events(name)
    store = ConfiguredSQLTrackerStore(domain=agent.domain, url=f"sqlite:///{tmp_path}/t.db",
                                      database_url=f"sqlite:///{tmp_path}/db.db")
    sender = f"replayed-{name}"
    whole = DialogueStateTracker(sender, agent.domain.slots)
    compared = longest_window = 0
    for number, turn in enumerate(turns(events)):
        windowed = await store.retrieve(sender)
        if windowed is None:
            windowed = DialogueStateTracker(sender, agent.domain.slots)
        else:
            assert window_of(windowed) is not None
            longest_window = max(longest_window, len(windowed.events))
        for event in turn:
            if isinstance(event, ActionExecuted) and number:
                assert prediction(agent, windowed, 6) == prediction(agent, whole, 6), (number, event)
                assert what_an_action_reads(windowed) == what_an_action_reads(whole), (number, event)
                compared += 1
            windowed.update(event)
            whole.update(event)
        await store.save(windowed)
    assert compared > 2 * len(turns(events))
    # The windows were used: the longest was far shorter than the conversation.
    assert longest_window < len(events) / 4
