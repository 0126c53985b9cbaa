"""Patch 11 (bot/runtime/rasa_patches.py): the RulePolicy's states, resumed from the
replay of the previous prediction, are Rasa's states.

The recorded conversations (tests/runtime/recorded/) and the events they lack (a
handoff's pause, a form, its interruption, a revert, slots reset, a restart) are played
onto one tracker, and after every event the states are compared with Rasa's own, which
replays the whole tracker; the replay must also have been resumed, not only restarted.
"""
import pytest
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUtteranceReverted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime import rasa_patches
from tests.support.recorded import recorded_events, unrecorded_events


def rasas_states(tracker, domain, omit_unset_slots):
    return rasa_patches.rasas_create_states(tracker, domain, omit_unset_slots=omit_unset_slots)


def compare_at_every_event(domain, events, omit_unset_slots=False, max_event_history=None):
    """Plays ``events`` and compares after each; returns how often a replay started."""
    rasa_patches.apply()
    started = []
    original_init = rasa_patches.StatesReplay.__init__

    def counted_init(self, *args):
        started.append(1)
        original_init(self, *args)

    tracker = DialogueStateTracker("replayed", domain.slots, max_event_history)
    rasa_patches.StatesReplay.__init__ = counted_init
    try:
        for event in events:
            tracker.update(event)
            ours = rasa_patches.create_states_once(tracker, domain, omit_unset_slots)
            assert ours == rasas_states(tracker, domain, omit_unset_slots), event
    finally:
        rasa_patches.StatesReplay.__init__ = original_init
    return len(started)


@pytest.mark.parametrize("omit_unset_slots", [False, True])
@pytest.mark.parametrize("name, events_used", [("swedish-90", None), ("mixed-200", 500)])
def test_resumed_states_are_rasas_after_every_event(domain, name, events_used, omit_unset_slots):
    events = recorded_events(name)[:events_used] + unrecorded_events()
    started = compare_at_every_event(domain, events, omit_unset_slots)
    assert started < len(events) / 4  # mostly resumed: the comparison tested resuming


def test_a_revert_or_a_new_session_replays_from_the_start(domain):
    events = recorded_events("swedish-90")[:40]
    more = [ActionExecuted("action_listen"), UserUtteranceReverted(),
            ActionExecuted("action_session_start"), SessionStarted(),
            ActionExecuted("action_listen")]
    assert compare_at_every_event(domain, events + more) >= 3


def test_a_window_at_its_history_limit_is_replayed_whole(domain):
    compare_at_every_event(domain, recorded_events("swedish-90")[:120], max_event_history=30)


def test_another_domain_is_not_resumed(domain):
    from rasa.shared.core.domain import Domain

    rasa_patches.apply()
    tracker = DialogueStateTracker("replayed", domain.slots)
    for event in recorded_events("swedish-90")[:30]:
        tracker.update(event)
    rasa_patches.create_states_once(tracker, domain)
    other = Domain.from_dict(domain.as_dict())
    tracker.update(ActionExecuted("action_listen"))
    assert rasa_patches.create_states_once(tracker, other) == rasas_states(tracker, other, False)
    assert tracker.__dict__[rasa_patches.REPLAY_ATTRIBUTE].domain is other
