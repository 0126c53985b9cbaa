"""Handing the conversation to a person: on request, when a fix failed, when not understood."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.conversation import (
    consecutive_misunderstood,
    is_blank,
    language_of,
    latest_intent,
    recent_customer_messages,
    values_of,
)
from bot.privacy import mask_text
from bot.settings import settings
from bot.storage.tickets import NewTicket, ticket_repository

logger = logging.getLogger(__name__)

# Why a conversation was handed over, from the message that triggered it.
REASON_BY_INTENT = {
    "request_human": "customer_asked",
    "deny": "fix_did_not_work",
    "nlu_fallback": "not_understood",
    "out_of_scope": "out_of_scope",
}


def escalation_reason(tracker: Tracker) -> str:
    return REASON_BY_INTENT.get(latest_intent(tracker), "other")


class ActionEscalate(Action):
    """Opens a handoff ticket with what a person needs, and tells the customer what happens."""

    def name(self) -> Text:
        return "action_escalate"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        config = settings()
        try:
            repository = ticket_repository(config.database_url)
            existing = repository.open_ticket_for(tracker.sender_id)
            if existing:
                dispatcher.utter_message(
                    response="utter_already_escalated", ticket_id=existing.id
                )
                return [SlotSet("escalated", True)]
            ticket = repository.open_ticket(
                NewTicket(
                    conversation_id=tracker.sender_id,
                    reason=escalation_reason(tracker),
                    language=language_of(tracker),
                    detected_error=tracker.get_slot("current_error"),
                    extracted_values=values_of(tracker),
                    steps_given=list(tracker.get_slot("steps_given") or []),
                    # The latest message reaches the action server unmasked.
                    recent_messages=[
                        mask_text(message)
                        for message in recent_customer_messages(
                            tracker, config.ticket_recent_messages
                        )
                    ],
                )
            )
        except SQLAlchemyError:
            # The customer must not be left in silence because a database is down.
            logger.exception("Could not open a handoff ticket for %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_escalation_failed")
            return []
        dispatcher.utter_message(response="utter_escalated", ticket_id=ticket.id)
        return [SlotSet("escalated", True), SlotSet("awaiting_feedback", False)]


class ActionHandleFallback(Action):
    """A message the model was unsure of: ask again once, then bring in a person."""

    def name(self) -> Text:
        return "action_handle_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if is_blank(tracker.latest_message.get("text")):
            dispatcher.utter_message(response="utter_empty_message")
            return []
        if consecutive_misunderstood(tracker) >= settings().max_misunderstood:
            dispatcher.utter_message(response="utter_still_not_understood")
            return [FollowupAction("action_escalate")]
        dispatcher.utter_message(response="utter_not_understood")
        return []

