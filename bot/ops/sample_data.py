"""Realistic conversations as Rasa stores them, for the console's tests and benchmark.

The events have the shapes Rasa 3.6 writes to its tracker store for this assistant
(recorded from the real servers): session start, user messages with parse data, slots,
actions, answers with the catalogue's real fix texts, buttons, escalations with a ticket
number, "Did that fix it?" answered yes or no.  ``Conversation`` builds one step by
step; ``random_conversation`` picks a plausible one.
"""
from __future__ import annotations

import random
import uuid
from typing import Any, Dict, List, Optional

from bot.catalogue import load_catalogue
from bot.catalogue.intents import CONTRACT_INTENTS, FALLBACK_INTENT
from bot.nlu.extract import extract_values
from bot.catalogue.render import render_fix

MODEL_METADATA = {"model_id": "7ad5c6bef8114dd5936b7f17d4990652", "assistant_id": "export-failed-assistant"}
INTENTS = list(CONTRACT_INTENTS)
TEXTS = {
    "greet": {"en": ["hi", "hello there", "hey"], "sv": ["hej", "hejsan", "tjena"]},
    "request_human": {"en": ["can I talk to a person", "I want a human please"],
                      "sv": ["kan jag prata med en människa", "jag vill prata med kundtjänst"]},
    "export_failed": {"en": ["my export failed", "the export to fortnox does not work"],
                      "sv": ["exporten misslyckades", "det går inte att exportera"]},
    "out_of_scope": {"en": ["what is the interest rate on my loan?"],
                     "sv": ["vad är räntan på mitt lån?"]},
    "fallback": {"en": ["zzkj hhhq wpow", "it does the thing again", "hmm??"],
                 "sv": ["asdf qwer", "det blir så där igen", "va?"]},
    "thank": {"en": ["thanks!"], "sv": ["tack!"]},
}
RESPONSES = {
    "utter_greet": {"en": "Hi! I help when transactions show **Export failed**. Paste the error message from the top of the transaction details, or tell me what happens.",
                    "sv": "Hej! Jag hjälper till när transaktioner visar **Export misslyckades**. Klistra in felmeddelandet överst i transaktionsdetaljerna, eller berätta vad som händer."},
    "utter_ask_fix_worked": {"en": "Did that fix it?", "sv": "Löste det problemet?"},
    "utter_fix_worked": {"en": "Great, glad it works again! If another export fails, just write to me.",
                         "sv": "Vad bra att det fungerar igen! Skriv till mig om en annan export misslyckas."},
    "utter_escalated": {"en": "I've passed your conversation to our support team (case {ticket_id}), with the error and the steps you have already tried, so you won't need to repeat yourself.",
                        "sv": "Jag har lämnat över samtalet till vår kundtjänst (ärende {ticket_id}), med felet och stegen du redan har provat."},
    "utter_not_understood": {"en": "Sorry, I didn't understand that. Could you paste the error message exactly as it appears at the top of the transaction details? Or choose:",
                             "sv": "Förlåt, det förstod jag inte. Kan du klistra in felmeddelandet precis som det står överst i transaktionsdetaljerna? Eller välj:"},
    "utter_still_not_understood": {"en": "I'm still not getting it, sorry. Let me bring in a person who can help.",
                                   "sv": "Jag förstår fortfarande inte, förlåt. Jag tar in en person som kan hjälpa till."},
    "utter_ask_error_message": {"en": "The error message is at the top of the transaction details. Paste it here, or pick the one you see:",
                                "sv": "Felmeddelandet står överst i transaktionsdetaljerna. Klistra in det här, eller välj det du ser:"},
    "utter_out_of_scope": {"en": "I can only help with transactions that show Export failed.",
                           "sv": "Jag kan bara hjälpa till med transaktioner som visar Export misslyckades."},
}
FIX_BUTTONS = {
    "en": [{"title": "Yes, it works", "payload": "/affirm"}, {"title": "No, still failing", "payload": "/deny"}],
    "sv": [{"title": "Ja, det fungerar", "payload": "/affirm"},
           {"title": "Nej, det misslyckas fortfarande", "payload": "/deny"}],
}
# Personal data customers sometimes add; the tracker store masks it before storing.
PERSONAL_ADDITIONS = [
    " my email is anna.svensson@example.com", " call me on 070-123 45 67",
    " personnummer 811218-9876", " konto 8327-9 123 456 789-0",
]


class Conversation:
    """Events of one conversation, oldest first, with advancing timestamps."""

    def __init__(self, sender_id: Optional[str] = None, start: float = 1_700_000_000.0,
                 language: str = "en", rng: Optional[random.Random] = None) -> None:
        self.sender_id = sender_id or uuid.uuid4().hex
        self.time = start
        self.language = language
        self.rng = rng or random.Random(0)
        self.events: List[Dict[str, Any]] = []
        self.ticket_id: Optional[int] = None
        self._session_start()

    def _tick(self, seconds: float = 0.01) -> float:
        self.time += seconds
        return self.time

    def _add(self, event: Dict[str, Any]) -> Dict[str, Any]:
        event.setdefault("timestamp", self._tick())
        event.setdefault("metadata", dict(MODEL_METADATA))
        self.events.append(event)
        return event

    def append(self, event: Dict[str, Any], after: float = 0.01) -> Dict[str, Any]:
        """An event made elsewhere (the handoff's own, bot/handoff/rasa_api.py), stored
        ``after`` seconds after the previous one: its own wall-clock time is replaced."""
        return self._add({**event, "timestamp": self._tick(after)})

    def _session_start(self) -> None:
        self.action("action_session_start", policy=None)
        self._add({"event": "session_started"})
        self.action("action_listen", policy=None, confidence=None)

    def action(self, name: str, policy: Optional[str] = "RulePolicy", confidence: Optional[float] = 1.0) -> None:
        self._add({"event": "action", "name": name, "policy": policy, "confidence": confidence,
                   "action_text": None, "hide_rule_turn": policy == "RulePolicy"})

    def slot(self, name: str, value: Any) -> None:
        self._add({"event": "slot", "name": name, "value": value})

    def bot(self, text: str, response: Optional[str] = None, buttons: Optional[list] = None,
            **metadata: Any) -> None:
        meta = dict(MODEL_METADATA)
        if response:
            meta.update({"utter_action": response, "template": response})
        meta.update(metadata)
        self._add({"event": "bot", "metadata": meta, "text": text, "data": {
            "elements": None, "quick_replies": None, "buttons": buttons, "attachment": None,
            "image": None, "custom": None}})

    def respond(self, response: str, buttons: Optional[list] = None, **metadata: Any) -> None:
        text = RESPONSES[response][self.language].format(**metadata)
        self.bot(text, response, buttons, **metadata)

    def user(self, text: str, intent: str, confidence: float = 1.0,
             channel: str = "socketio", metadata: Optional[dict] = None) -> Dict[str, Any]:
        self._tick(self.rng.uniform(5, 90))  # the customer reads and types
        values = {} if text.startswith("/") else extract_values(text)
        entities = [{"entity": name, "value": value, "start": max(0, text.find(value)),
                     "end": max(0, text.find(value)) + len(value), "extractor": "ExportValueExtractor"}
                    for name, value in values.items()]
        if not text.startswith("/"):
            entities.append({"entity": "language", "value": self.language, "start": 0,
                             "end": len(text), "extractor": "ExportValueExtractor"})
        others = [i for i in INTENTS if i != intent]
        self.rng.shuffle(others)
        rest = 1.0 - confidence
        ranking = [{"name": intent, "confidence": confidence}] + [
            {"name": name, "confidence": rest / (2 ** (n + 1))} for n, name in enumerate(others[:4])
        ]
        message_id = uuid.UUID(int=self.rng.getrandbits(128)).hex
        event = self._add({
            "event": "user", "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence},
                           "entities": entities, "text": text, "message_id": message_id,
                           "metadata": metadata or {}, "intent_ranking": ranking},
            "input_channel": channel, "message_id": message_id,
        })
        if metadata:
            event["metadata"] = {**MODEL_METADATA, **metadata}
        if not text.startswith("/"):
            self.slot("language", self.language)
        for name, value in values.items():
            self.slot(name, value)
        self._add({"event": "user_featurization", "use_text_for_featurization": False})
        return event

    def fallback_user(self, text: str, best_guess: str = "out_of_scope", guess: float = 0.31) -> None:
        """A message the model was unsure of: nlu_fallback, the classifier's guess below it."""
        event = self.user(text, FALLBACK_INTENT, 0.5)
        event["parse_data"]["intent_ranking"] = [
            {"name": FALLBACK_INTENT, "confidence": 0.5}, {"name": best_guess, "confidence": guess}]

    def listen(self) -> None:
        self.action("action_listen")

    # -- whole turns

    def greet(self) -> None:
        self.user(self.rng.choice(TEXTS["greet"][self.language]), "greet", self.rng.uniform(0.9, 1.0))
        self.action("utter_greet")
        self.respond("utter_greet")
        self.listen()

    def error_turn(self, intent: str, text: Optional[str] = None, confidence: float = 1.0) -> None:
        catalogue = load_catalogue()
        text = text or self.rng.choice(catalogue.get(intent).wordings[self.language])
        event = self.user(text, intent, confidence)
        values = {e["entity"]: e["value"] for e in event["parse_data"]["entities"] if e["entity"] != "language"}
        self.action("action_give_fix")
        self.bot(render_fix(intent, self.language, values, catalogue))
        self.respond("utter_ask_fix_worked", buttons=FIX_BUTTONS[self.language])
        self.slot("current_error", intent)
        self.slot("steps_given", [intent])
        self.slot("awaiting_feedback", True)
        self.listen()

    def affirm(self) -> None:
        self.user("/affirm", "affirm")
        self.action("action_handle_feedback")
        self.respond("utter_fix_worked")
        self.slot("awaiting_feedback", False)
        self.listen()

    def escalate(self, ticket_id: int) -> None:
        self.action("action_escalate", policy="followup_action")
        self.respond("utter_escalated", ticket_id=ticket_id)
        self.slot("escalated", True)
        self.slot("awaiting_feedback", False)
        self.ticket_id = ticket_id
        self.listen()

    def deny(self, ticket_id: int) -> None:
        self.user("/deny", "deny")
        self.action("action_handle_feedback")
        self.slot("awaiting_feedback", False)
        self._add({"event": "followup", "name": "action_escalate"})
        self.escalate(ticket_id)

    def ask_for_human(self, ticket_id: int) -> None:
        self.user(self.rng.choice(TEXTS["request_human"][self.language]), "request_human",
                  self.rng.uniform(0.8, 1.0))
        self.escalate(ticket_id)

    def not_understood(self, ticket_id: int, times: int = 1,
                       texts: Optional[List[str]] = None) -> None:
        """``times`` messages the assistant does not understand (``texts``, or picked from
        TEXTS); the second in a row escalates."""
        for n in range(times):
            text = texts[n] if texts else self.rng.choice(TEXTS["fallback"][self.language])
            self.fallback_user(text, guess=self.rng.uniform(0.1, 0.45))
            self.action("action_handle_fallback")
            if n + 1 >= 2:
                self.respond("utter_still_not_understood")
                self.escalate(ticket_id)
                return
            self.respond("utter_not_understood", buttons=[
                {"title": "My export failed", "payload": "/export_failed"},
                {"title": "Talk to a person", "payload": "/request_human"}])
            self.listen()

    def out_of_scope(self) -> None:
        self.user(self.rng.choice(TEXTS["out_of_scope"][self.language]), "out_of_scope",
                  self.rng.uniform(0.55, 0.95))
        self.action("utter_out_of_scope")
        self.respond("utter_out_of_scope")
        self.listen()


def random_conversation(rng: random.Random, start: float, ticket_id: int,
                        sender_id: Optional[str] = None) -> Conversation:
    """One plausible conversation: mostly an error and its fix, resolved or escalated."""
    language = "sv" if rng.random() < 0.45 else "en"
    conversation = Conversation(sender_id or uuid.UUID(int=rng.getrandbits(128)).hex, start, language, rng)
    intents = load_catalogue().intents
    if rng.random() < 0.3:
        conversation.greet()
    kind = rng.random()
    if kind < 0.75:
        intent = rng.choice(intents)
        confidence = 1.0 if rng.random() < 0.6 else rng.uniform(0.5, 0.99)
        text = None
        if rng.random() < 0.08:
            text = rng.choice(load_catalogue().get(intent).wordings[language]) + rng.choice(PERSONAL_ADDITIONS)
        conversation.error_turn(intent, text, confidence)
        outcome = rng.random()
        if outcome < 0.55:
            conversation.affirm()
        elif outcome < 0.85:
            conversation.deny(ticket_id)
    elif kind < 0.85:
        conversation.not_understood(ticket_id, times=rng.choice([1, 2]))
    elif kind < 0.93:
        conversation.ask_for_human(ticket_id)
    else:
        conversation.out_of_scope()
    return conversation


def store(databases, conversations, batch: int = 2000) -> int:
    """Writes conversations as the tracker store would: masked events, then summaries.

    ``databases`` is a bot.console.databases.Databases whose tracker database has Rasa's
    events table.  Returns how many events were written.
    """
    from bot.privacy import mask_event
    from bot.storage.conversations import SummaryWriter, summarise

    summaries = []

    def masked_events():
        for conversation in conversations:
            masked = [mask_event(event) for event in conversation.events]
            for event in masked:
                yield conversation.sender_id, event
            summary = summarise(conversation.sender_id, masked)
            if summary:
                summaries.append(summary)

    written = databases.events.add_all(masked_events(), batch)
    with databases.sessions() as session, session.begin():
        writer = SummaryWriter(session)
        for summary in summaries:
            writer.upsert(summary)
    return written
