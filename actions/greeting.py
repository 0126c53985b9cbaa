"""The greeting, with the bank's name from the settings (BANK_NAME): a response alone
cannot read a setting, so this action fills it in."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.catalogue.bank import genitive_sv
from bot.settings import Settings, settings


class ActionGreet(Action):
    def name(self) -> Text:
        return "action_greet"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_greet", **greeting_values(settings()))
        return []


def greeting_values(config: Settings) -> Dict[str, str]:
    """The greeting's placeholders: {bank} (English) and {bank_genitive_sv} (Swedish)."""
    return {"bank": config.bank_name, "bank_genitive_sv": genitive_sv(config.bank_name)}
