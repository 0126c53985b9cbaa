"""The customer's yes or no: to "did that fix it?", or out of the blue."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import latest_intent


class ActionHandleFeedback(Action):
    def name(self) -> Text:
        return "action_handle_feedback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        said_yes = latest_intent(tracker) == "affirm"
        if not tracker.get_slot("awaiting_feedback"):
            dispatcher.utter_message(
                response="utter_affirm_without_question"
                if said_yes
                else "utter_deny_without_question"
            )
            return []
        if said_yes:
            dispatcher.utter_message(response="utter_fix_worked")
            return [SlotSet("awaiting_feedback", False)]
        return [
            SlotSet("awaiting_feedback", False),
            FollowupAction("action_escalate"),
        ]
