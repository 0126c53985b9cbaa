"""Answering a recognised export error with its fix, and asking for the error when unknown."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import language_of, latest_intent, values_of
from actions.understanding import answered_step_question
from bot.catalogue import load_catalogue
from bot.catalogue.render import render_fix


class ActionGiveFix(Action):
    """Sends the fix for the error the customer's message was classified as."""

    def name(self) -> Text:
        return "action_give_fix"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalogue = load_catalogue()
        intent = latest_intent(tracker)
        if intent not in catalogue:
            # Reached only if a rule and the catalogue disagree: ask instead of guessing.
            return [FollowupAction("action_ask_for_error_message")]
        if intent == tracker.get_slot("current_error") and answered_step_question(dispatcher, tracker):
            # "Where do I find the chart of accounts?" right after that fix: the step, not
            # the whole fix again.
            return []
        language = language_of(tracker)
        dispatcher.utter_message(text=render_fix(intent, language, values_of(tracker)))
        dispatcher.utter_message(response="utter_ask_fix_worked")
        steps_given = list(tracker.get_slot("steps_given") or [])
        if intent not in steps_given:
            steps_given.append(intent)
        return [
            SlotSet("current_error", intent),
            SlotSet("steps_given", steps_given),
            SlotSet("awaiting_feedback", True),
        ]


class ActionAskForErrorMessage(Action):
    """The customer says exports fail but not which error: show where to look, offer the eight."""

    def name(self) -> Text:
        return "action_ask_for_error_message"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = language_of(tracker)
        buttons = [
            {"title": error.title[language], "payload": f"/{error.intent}"}
            for error in load_catalogue().errors
        ]
        dispatcher.utter_message(response="utter_ask_error_message", buttons=buttons)
        return [SlotSet("awaiting_feedback", False)]

