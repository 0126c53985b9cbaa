"""Answers for messages the assistant should not answer with a fix.

A question about a step of the fix just given (issue 13, item 14), two close errors
("Is it A or B?", item 7) and a message of personal data alone (item 12).  The NLU
component bot/nlu/confidence_gate.py marks the last two in the parse data.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import language_of, values_of
from bot.catalogue import load_catalogue
from bot.catalogue.render import rendered_steps, value_phrases
from bot.nlu.decide import CLARIFY_KEY, PERSONAL_DATA_KEY
from bot.nlu.step_question import step_asked_about


def answered_step_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """If the latest message asks about a step of the fix given in this session, answers
    with that step (with the customer's values) and offers a person; else says nothing."""
    catalogue = load_catalogue()
    error = tracker.get_slot("current_error")
    if error not in catalogue:
        return False
    language, values = language_of(tracker), values_of(tracker)
    steps = rendered_steps(error, language, values, catalogue)
    index = step_asked_about(tracker.latest_message.get("text") or "", steps)
    if index is None:
        return False
    system = value_phrases(language, values, catalogue)["accounting_system"]
    dispatcher.utter_message(response="utter_step_again", step=steps[index], system=system)
    return True


def clarify_choices(tracker: Tracker) -> Optional[List[str]]:
    choices = tracker.latest_message.get(CLARIFY_KEY)
    catalogue = load_catalogue()
    if isinstance(choices, list) and len(choices) == 2 and all(c in catalogue for c in choices):
        return choices
    return None


def ask_which_error(dispatcher: CollectingDispatcher, tracker: Tracker, choices: List[str]) -> None:
    """"Is it A or B?", the errors' titles as buttons (and "something else": the eight)."""
    language = language_of(tracker)
    first, second = (load_catalogue().get(intent) for intent in choices)
    dispatcher.utter_message(response="utter_which_error",
                             first=first.title[language], first_intent=first.intent,
                             second=second.title[language], second_intent=second.intent)


def personal_data_only(tracker: Tracker) -> bool:
    return tracker.latest_message.get(PERSONAL_DATA_KEY) is True


class ActionAnswerOutOfScope(Action):
    """Out of scope, unless it asks about a step of the fix just given."""

    def name(self) -> Text:
        return "action_answer_out_of_scope"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if not answered_step_question(dispatcher, tracker):
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
