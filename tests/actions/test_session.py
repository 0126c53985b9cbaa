"""A new session keeps the conversation's language and forgets the last problem's values."""
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart
from tests.support.trackers import make_tracker


def test_a_new_session_keeps_only_the_language():
    tracker = make_tracker(
        [("kontot 1930 är inte aktivt i Visma", "account_not_active")],
        slots={"language": "sv", "account": "1930", "accounting_system": "Visma",
               "period_date": "2024-12-31", "current_error": "account_not_active",
               "steps_given": ["account_not_active"], "awaiting_feedback": True},
    )
    events = ActionSessionStart().run(CollectingDispatcher(), tracker, domain={})
    assert events == [SessionStarted(), SlotSet("language", "sv"), ActionExecuted("action_listen")]


def test_a_new_session_without_a_language_sets_nothing():
    events = ActionSessionStart().run(CollectingDispatcher(), make_tracker([]), domain={})
    assert events == [SessionStarted(), ActionExecuted("action_listen")]
