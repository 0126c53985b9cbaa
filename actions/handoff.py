"""The e-mail question when no person can take the chat live (off duty, or nobody claimed it).

``email_form`` (domain.yml) asks for one slot, ``contact_email``; this action validates the
answer.  Only a message with an "@" in it is taken as the answer: anything else ("thanks",
another error message, "I want a person") ends the form without an address, and the
assistant handles the message as usual (the question is not repeated after every message;
asking for a person again asks again).  A valid address is stored
on the conversation's ticket, as written (staff need it to write back); in the tracker
store it is masked like any other e-mail address.  It is saved only when the stored
conversation shows the question asked (``question_was_asked``): a forged call to the action
server overwrote another customer's address (issue 14, item 2).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.conversation import language_of
from bot.catalogue.bank import support_contact
from bot.handoff import lifecycle
from bot.handoff.contact import find_email
from bot.settings import settings
from bot.storage.database import shared_engine
from bot.storage.events import EventRepository
from bot.storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

SLOT = "contact_email"


def question_was_asked(sender_id: str) -> bool:
    """Whether the stored conversation (not the tracker in the call, which whoever calls
    the action server writes) shows the e-mail question waiting for its answer.  Asked
    once per answer, on the process's pool for the tracker store (the same as the
    tickets' when both are one database)."""
    engine = shared_engine(settings().tracker_store_url)
    return EventRepository(engine).requested_slot(sender_id) == SLOT


class ValidateEmailForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_email_form"

    def domain_slots(self, domain: DomainDict) -> List[Text]:
        # The action server gets no domain (enable_selective_domain): the form's one slot.
        return [SLOT]

    async def extract_contact_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != SLOT:
            return {}  # activating: the question has not been asked yet
        return {SLOT: tracker.latest_message.get("text") or ""}

    def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not value:
            return {SLOT: None}  # cleared (a new question), not answered
        email = find_email(value if isinstance(value, str) else None)
        if email is None:
            dispatcher.utter_message(response="utter_contact_email_invalid")
            return {SLOT: None}
        try:
            if not question_was_asked(tracker.sender_id):
                logger.warning("e-mail for %s not saved: the stored conversation did not ask "
                               "for one", tracker.sender_id)
                return {SLOT: None}
            lifecycle.save_contact_email(UnitOfWork.for_database(settings().database_url),
                                         tracker.sender_id, email)
        except SQLAlchemyError:
            logger.exception("Could not store the e-mail address of %s", tracker.sender_id)
            dispatcher.utter_message(
                response="utter_contact_email_not_saved",
                support_contact=support_contact(settings(), language_of(tracker)))
            return {SLOT: None}
        # Not repeated in the message: what an utterance is given is stored unmasked.
        dispatcher.utter_message(response="utter_contact_email_saved")
        return {SLOT: email}

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if tracker.get_slot("requested_slot") == SLOT and \
                "@" not in (tracker.latest_message.get("text") or ""):
            # Not an answer: drop the question, and let the rules answer the message
            # (a rejected form would come back after it and ask again).
            return [ActiveLoop(None), SlotSet("requested_slot", None),
                    ActionExecutionRejected("email_form")]
        events = await super().run(dispatcher, tracker, domain)
        if any(e.get("event") == "slot" and e.get("name") == SLOT and e.get("value")
               for e in events):
            # The form is done and no rule follows it: wait for the customer.
            events.append(FollowupAction("action_listen"))
        return events
