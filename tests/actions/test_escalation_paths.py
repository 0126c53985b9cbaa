"""Every escalation path read as the customer reads it: the actions run the rasa-sdk way
(a Tracker in, the dispatcher's messages out) and each message is rendered from domain.yml
with the values the action gave it, as Rasa fills it in.  Each path tells one consistent
account of what happens next: the case number, whether a person joins this chat now or
answers later (and when), and, when no case could be opened, how to reach support.
"""
import asyncio
from typing import Dict, List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionEscalate
from actions.handoff import ValidateEmailForm
from bot.handoff import agents, lifecycle
from bot.handoff.responses import render
from bot.storage.database import make_engine, make_session_factory
from bot.storage.unit_of_work import UnitOfWork
from tests.support.handoff import Tickets
from tests.support.ports import free_ports
from tests.support.trackers import make_tracker

LIVE = "join this chat shortly"
LATER = "Nobody from support can answer live right now: a person will answer"
# Words that only fit a path the customer is not on, or a history they may not have.
NEVER = ("with the error and the steps you have already tried", "as soon as one is free")


def customer_reads(messages: List[Dict], language: str = "en") -> List[str]:
    """The dispatcher's messages as the widget shows them (responses rendered)."""
    texts = []
    for message in messages:
        if message.get("response"):
            values = {k: v for k, v in message.items() if v is not None}
            texts.append(render(message["response"], language, **values))
        elif message.get("text"):
            texts.append(message["text"])
    return texts


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain={})
    return events, customer_reads(dispatcher.messages, tracker.get_slot("language") or "en")


def assert_one_account(texts: List[str]) -> None:
    whole = " ".join(texts)
    assert "{" not in whole, whole
    assert not (LIVE in whole and "Nobody from support" in whole), whole
    for wrong in NEVER:
        assert wrong not in whole, whole


@pytest.fixture
def tickets(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HANDOFF_HOURS", "always")
    return Tickets(database_url)


def on_duty(url: str) -> None:
    engine = make_engine(url)
    agents.set_on_duty(UnitOfWork(make_session_factory(engine)), "anna", True)
    engine.dispose()


def test_an_agent_is_free_the_customer_waits_here_for_a_person(tickets, database_url):
    on_duty(database_url)
    _, texts = run(ActionEscalate(), make_tracker([("a person please", "request_human")],
                                                  sender_id="path-live"))
    [ticket] = tickets.tickets_for("path-live")
    [text] = texts
    assert f"case {ticket.id}" in text and LIVE in text and "stay quiet" in text
    assert_one_account(texts)


def test_off_hours_the_customer_learns_when_and_is_asked_for_an_address_once(tickets, monkeypatch):
    monkeypatch.setenv("HANDOFF_HOURS", "never")
    tracker = make_tracker([("hej", "greet"), ("jag vill prata med en människa", "request_human")],
                           slots={"language": "sv"}, sender_id="path-off")
    events, texts = run(ActionEscalate(), tracker)
    [ticket] = tickets.tickets_for("path-off")
    [text] = texts
    assert f"ärende {ticket.id}" in text
    assert "Ingen från kundtjänst kan svara direkt just nu: en person svarar så snart vi kan." in text
    # The e-mail form asks its short question next (Rasa utters it); it adds no account.
    question = render("utter_ask_contact_email", "sv")
    assert "e-postadress" in question and "svarar" in question and "ärende" not in question
    assert_one_account(texts + [question])


def test_on_duty_but_nobody_claims_the_chat_in_time():
    texts = [event["text"] for event in lifecycle.follow_up_events("en", "today, before 17:00")
             if event["event"] == "bot"]
    busy, question = texts
    assert "everyone in support is busy" in busy
    assert "a person will answer today, before 17:00" in busy
    assert "e-mail address" in question
    assert LIVE not in " ".join(texts)
    assert_one_account(texts)


def test_no_case_could_be_opened_gives_supports_contact_details(monkeypatch):
    # A port the OS just chose as free: nothing listens, the connection is refused at once.
    [port] = free_ports(1)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://nobody@127.0.0.1:{port}/none")
    monkeypatch.setenv("SUPPORT_EMAIL", "hjalp@exempelbanken.se")
    monkeypatch.setenv("SUPPORT_PHONE", "0771-22 44 88")
    for language, contact in (("en", "e-mail hjalp@exempelbanken.se or call 0771-22 44 88"),
                              ("sv", "mejla hjalp@exempelbanken.se eller ring 0771-22 44 88")):
        events, texts = run(ActionEscalate(), make_tracker([("agent", "request_human")],
                                                           slots={"language": language}))
        [text] = texts
        assert events == [] and contact in text, text
        assert "case" not in text.replace("open a case", "") and LIVE not in text


def test_asking_again_while_waiting_for_a_person(tickets, database_url):
    on_duty(database_url)
    tracker = make_tracker([("human", "request_human")], sender_id="path-again-live")
    run(ActionEscalate(), tracker)
    _, texts = run(ActionEscalate(), tracker)
    [ticket] = tickets.tickets_for("path-again-live")
    [text] = texts
    assert text.startswith(f"Your conversation is already with our support team (case {ticket.id})")
    assert LIVE in text
    assert_one_account(texts)


def test_asking_again_off_hours_says_when_not_as_soon_as_one_is_free(tickets, monkeypatch):
    monkeypatch.setenv("HANDOFF_HOURS", "never")
    tracker = make_tracker([("human", "request_human")], sender_id="path-again-off")
    run(ActionEscalate(), tracker)
    _, texts = run(ActionEscalate(), tracker)
    [text] = texts
    assert "already with our support team" in text and LATER in text
    assert_one_account(texts)


def test_an_invalid_address_says_only_what_is_wrong(tickets):
    tracker = make_tracker([("it's anna@firma", "nlu_fallback")], sender_id="path-email")
    tracker.slots["requested_slot"] = "contact_email"
    tracker.active_loop = {"name": "email_form"}
    dispatcher = CollectingDispatcher()
    asyncio.run(ValidateEmailForm().run(dispatcher, tracker, {}))
    [wrong] = customer_reads(dispatcher.messages)
    question = render("utter_ask_contact_email", "en")  # Rasa asks the form's question again
    assert "doesn't look like a whole e-mail address" in wrong
    # Not the whole paragraph again: no case, no "when", no second question in the first.
    for text in (wrong, question):
        assert "case" not in text and "will answer" not in text
    assert "?" not in wrong
