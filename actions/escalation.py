"""Handing the conversation to a person: on request, when a fix failed, when not understood.

Whether the ticket waits for a person or is open for follow-up is the handoff's
lifecycle's to decide (bot/handoff/lifecycle.py ``escalate``); this action only turns
its answer into messages and events.  When the ticket is ``waiting`` (the support team
is on duty) the assistant pauses: it says nothing more in this conversation until an
agent hands it back; the customer's messages are stored meanwhile.  When it is ``open``
(off duty) the customer is told when to expect an answer and asked for an e-mail
address (``email_form``, actions/handoff.py).
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional, Text

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
    user_messages,
    values_of,
)
from bot.catalogue.bank import support_contact
from actions.understanding import (
    answered_step_question,
    ask_which_error,
    clarify_choices,
    personal_data_only,
)
from bot.catalogue.intents import FALLBACK_INTENT
from bot.handoff import lifecycle
from bot.handoff.flood import CLIENT_KEY, EscalationLimits
from bot.handoff.hours import expected_answer, opening_hours
from bot.privacy import mask_text
from bot.settings import Settings, settings
from bot.storage.tickets import NewTicket
from bot.storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

# Why a conversation was handed over, from the message that triggered it.
REASON_BY_INTENT = {
    "request_human": "customer_asked",
    "deny": "fix_did_not_work",
    FALLBACK_INTENT: "not_understood",
    "out_of_scope": "out_of_scope",
}


def escalation_reason(tracker: Tracker) -> str:
    return REASON_BY_INTENT.get(latest_intent(tracker), "other")


def when_a_person_answers(config: Settings, language: str) -> str:
    """When to expect an answer, as words for the responses ("on Monday after 08:00")."""
    return expected_answer(opening_hours(config), dt.datetime.now(dt.timezone.utc), language)


def client_key_of(tracker: Tracker) -> Optional[str]:
    """The key of the customer's address, from the latest message's metadata (the
    channels set it, bot/handoff/flood.py); None for messages that came another way."""
    messages = user_messages(tracker)
    metadata = (messages[-1].get("metadata") if messages else None) or {}
    key = metadata.get(CLIENT_KEY) if isinstance(metadata, dict) else None
    return key if isinstance(key, str) and 0 < len(key) <= 64 else None


def unprompted_payload(tracker: Tracker) -> bool:
    """The conversation opens with a button's payload ("/request_human") that nothing
    offered: the assistant has said nothing yet.  A script's way to open a ticket in one
    request; a customer clicks buttons the assistant showed."""
    text = tracker.latest_message.get("text") or ""
    return text.startswith("/") and not any(e.get("event") == "bot" for e in tracker.events)


def escalation_limits(config: Settings) -> EscalationLimits:
    return EscalationLimits(config.escalations_per_address_per_hour, config.escalations_per_hour)


def ask_for_email(expected: str) -> List[Dict[Text, Any]]:
    """Events that keep when to expect an answer and ask for an e-mail address."""
    return [SlotSet("handoff_expected", expected), SlotSet("contact_email", None),
            SlotSet("requested_slot", None), FollowupAction("email_form")]


def tell_escalation_failed(dispatcher: CollectingDispatcher, config: Settings, language: str) -> None:
    """No case could be opened: say so, with support's own contact details."""
    dispatcher.utter_message(response="utter_escalation_failed",
                             support_contact=support_contact(config, language))


class ActionEscalate(Action):
    """Opens a handoff ticket with what a person needs, and tells the customer what happens."""

    def name(self) -> Text:
        return "action_escalate"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        config = settings()
        if unprompted_payload(tracker):
            dispatcher.utter_message(response="utter_describe_before_person")
            return []
        new = NewTicket(
            conversation_id=tracker.sender_id,
            reason=escalation_reason(tracker),
            language=language_of(tracker),
            detected_error=tracker.get_slot("current_error"),
            extracted_values=values_of(tracker),
            steps_given=list(tracker.get_slot("steps_given") or []),
            # The latest message reaches the action server unmasked.
            recent_messages=[
                mask_text(message)
                for message in recent_customer_messages(tracker, config.ticket_recent_messages)
            ],
            client_key=client_key_of(tracker),
        )
        try:
            # A unit of work on sessions made now, from the settings (bot/storage/unit_of_work.py).
            escalation = lifecycle.escalate(UnitOfWork.for_database(config.database_url), new,
                                            opening_hours(config), limits=escalation_limits(config))
        except lifecycle.EscalationLimited as limited:
            # No new ticket; the conversation itself is stored as always.
            logger.warning("escalation of %s refused: %s", tracker.sender_id, limited)
            dispatcher.utter_message(response="utter_escalation_limited",
                                     support_contact=support_contact(config, new.language))
            return []
        except SQLAlchemyError:
            # The customer must not be left in silence because a database is down.
            logger.exception("Could not open a handoff ticket for %s", tracker.sender_id)
            tell_escalation_failed(dispatcher, config, new.language)
            return []
        ticket = escalation.ticket
        if not escalation.created:
            events = [SlotSet("escalated", True)]
            if escalation.with_a_person:
                # Someone has (or is about to take) the chat: stay quiet again.
                dispatcher.utter_message(response="utter_already_escalated", ticket_id=ticket.id)
                return events + [ConversationPaused()]
            expected = when_a_person_answers(config, new.language)
            dispatcher.utter_message(response="utter_already_escalated_follow_up",
                                     ticket_id=ticket.id, handoff_expected=expected)
            if escalation.needs_contact_email:
                return events + ask_for_email(expected)
            return events
        events = [SlotSet("escalated", True), SlotSet("awaiting_feedback", False)]
        if escalation.with_a_person:
            # A person takes over in this chat: the assistant says nothing until then.
            dispatcher.utter_message(response="utter_handoff_waiting", ticket_id=ticket.id)
            return events + [ConversationPaused()]
        expected = when_a_person_answers(config, ticket.language)
        dispatcher.utter_message(response="utter_escalated", ticket_id=ticket.id,
                                 handoff_expected=expected)
        return events + ask_for_email(expected)


class ActionHandleFallback(Action):
    """A message the model was unsure of: ask again once, then bring in a person.

    Before that: personal data alone gets "no need for that"; two close errors get
    "Is it A or B?"; a question about a step of the fix just given gets that step."""

    def name(self) -> Text:
        return "action_handle_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if is_blank(tracker.latest_message.get("text")):
            dispatcher.utter_message(response="utter_empty_message")
            return []
        if personal_data_only(tracker):
            dispatcher.utter_message(response="utter_personal_data_only")
            return []
        choices = clarify_choices(tracker)
        if choices:
            ask_which_error(dispatcher, tracker, choices)
            return []
        if answered_step_question(dispatcher, tracker):
            return []
        if consecutive_misunderstood(tracker) >= settings().max_misunderstood:
            dispatcher.utter_message(response="utter_still_not_understood")
            return [FollowupAction("action_escalate")]
        dispatcher.utter_message(response="utter_not_understood")
        return []

