"""Actions that fail each way an action can, for the tests of actions run in the Rasa
process (tests/runtime/test_in_process_actions.py): rasa-sdk registers them by package."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection


class ActionThatRaises(Action):
    def name(self) -> Text:
        return "action_that_raises"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text="half an answer")  # never reaches the customer
        raise RuntimeError("the ticket database went away")


class ActionThatRejects(Action):
    def name(self) -> Text:
        return "action_that_rejects"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        raise ActionExecutionRejection("action_that_rejects", "not for this message")


class ActionThatEditsItsTracker(Action):
    """Changes what it was given, as a careless action might, and answers a set slot."""

    def name(self) -> Text:
        return "action_that_edits_its_tracker"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        tracker.slots["language"] = "changed"
        tracker.events.clear()
        tracker.latest_message["text"] = "changed"
        dispatcher.utter_message(text="done")
        return [SlotSet("language", "sv")]
