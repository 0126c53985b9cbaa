"""Handing the conversation to a person: on request, when a fix failed, when not understood.

When the support team is on duty (within HANDOFF_HOURS and at least one agent switched
on, bot/handoff/), the ticket is ``waiting`` and the assistant pauses: it says nothing
more in this conversation until an agent hands it back (bot/handoff/service.py); the
customer's messages are stored meanwhile.  Off duty, the ticket is ``open`` for
follow-up and the customer is told when to expect an answer and asked for an e-mail
address (``email_form``, actions/handoff.py).
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
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
from bot.handoff.hours import InvalidHours, OpeningHours, expected_answer
from bot.privacy import mask_text
from bot.settings import Settings, settings
from bot.storage.tickets import CLAIMED, OPEN, WAITING, NewTicket
from bot.storage.unit_of_work import UnitOfWork

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


def opening_hours(config: Settings) -> OpeningHours:
    try:
        return OpeningHours.parse(config.handoff_hours, config.handoff_timezone)
    except InvalidHours:
        # The pages process refuses to start with these; here the customer still gets an
        # answer (follow-up by e-mail) rather than none.
        logger.exception("HANDOFF_HOURS cannot be read; treating support as closed")
        return OpeningHours.parse("never", config.handoff_timezone)


def ask_for_email(config: Settings, language: str) -> List[Dict[Text, Any]]:
    """Events that tell when to expect an answer and ask for an e-mail address."""
    expected = expected_answer(opening_hours(config), dt.datetime.now(dt.timezone.utc), language)
    return [SlotSet("handoff_expected", expected), SlotSet("contact_email", None),
            SlotSet("requested_slot", None), FollowupAction("email_form")]


class ActionEscalate(Action):
    """Opens a handoff ticket with what a person needs, and tells the customer what happens."""

    def name(self) -> Text:
        return "action_escalate"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        config = settings()
        try:
            with UnitOfWork.for_database(config.database_url) as uow:
                existing = uow.tickets.open_ticket_for(tracker.sender_id)
                if existing:
                    dispatcher.utter_message(
                        response="utter_already_escalated", ticket_id=existing.id
                    )
                    events = [SlotSet("escalated", True)]
                    if existing.status in (WAITING, CLAIMED):
                        # Someone has (or is about to take) the chat: stay quiet again.
                        return events + [ConversationPaused()]
                    if existing.status == OPEN and not uow.tickets.contact_email(existing.id):
                        return events + ask_for_email(config, language_of(tracker))
                    return events
                live = (opening_hours(config).is_open(dt.datetime.now(dt.timezone.utc))
                        and uow.agents.on_duty() > 0)
            with UnitOfWork.for_database(config.database_url) as uow:
                ticket = uow.tickets.open_ticket(
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
                    ),
                    status=WAITING if live else OPEN,
                )
        except SQLAlchemyError:
            # The customer must not be left in silence because a database is down.
            logger.exception("Could not open a handoff ticket for %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_escalation_failed")
            return []
        events = [SlotSet("escalated", True), SlotSet("awaiting_feedback", False)]
        if live:
            # A person takes over in this chat: the assistant says nothing until then.
            dispatcher.utter_message(response="utter_handoff_waiting", ticket_id=ticket.id)
            return events + [ConversationPaused()]
        dispatcher.utter_message(response="utter_escalated", ticket_id=ticket.id)
        return events + ask_for_email(config, ticket.language)


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

