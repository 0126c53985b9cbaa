"""A new session (after SESSION_EXPIRATION of silence, or a restart of the widget's chat).

Rasa's own session start carries every slot over or none.  A new session is a new
problem: the customer's values (account, period date, system), the error and the steps
of the last one must not leak into it, while the conversation's language should stay.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

# The only slots a new session keeps.
CARRIED_OVER_SLOTS = ("language",)


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        carried = [SlotSet(name, tracker.get_slot(name)) for name in CARRIED_OVER_SLOTS
                   if tracker.get_slot(name) is not None]
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]
