"""Custom actions run as the action server runs them: a Tracker in, events and messages out."""
import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionEscalate, ActionHandleFallback
from actions.feedback import ActionHandleFeedback
from actions.fixes import ActionAskForErrorMessage, ActionGiveFix
from tests.support.handoff import Tickets
from tests.support.trackers import make_tracker


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain={})
    return events, dispatcher.messages


@pytest.fixture
def tickets(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    return Tickets(database_url)


def test_fix_has_the_customers_values_in_their_language():
    tracker = make_tracker(
        [("Konto \"1930\" är inte aktivt", "account_not_active")],
        slots={"language": "sv", "account": "1930", "accounting_system": "Fortnox"},
    )
    events, messages = run(ActionGiveFix(), tracker)
    fix = messages[0]["text"]
    assert "Leta upp konto 1930" in fix and "kontoplanen i Fortnox" in fix
    assert "\n1. " in fix and "\n2. " in fix
    assert messages[1]["response"] == "utter_ask_fix_worked"
    assert SlotSet("current_error", "account_not_active") in events
    assert SlotSet("steps_given", ["account_not_active"]) in events
    assert SlotSet("awaiting_feedback", True) in events


def test_fix_without_language_slot_follows_the_message():
    tracker = make_tracker([("the period is locked up to 2024-12-31", "period_closed")],
                           slots={"period_date": "2024-12-31"})
    _, messages = run(ActionGiveFix(), tracker)
    assert "Enter a new accounting date after 2024-12-31" in messages[0]["text"]


def test_steps_given_are_remembered_once_each():
    tracker = make_tracker(
        [("period closed", "period_closed")],
        slots={"steps_given": ["account_not_active", "period_closed"]},
    )
    events, _ = run(ActionGiveFix(), tracker)
    assert SlotSet("steps_given", ["account_not_active", "period_closed"]) in events


def test_unknown_intent_asks_for_the_error_instead_of_guessing():
    events, messages = run(ActionGiveFix(), make_tracker([("hm", "greet")]))
    assert messages == [] and events == [FollowupAction("action_ask_for_error_message")]


def test_export_failed_explains_where_to_look_and_offers_the_eight_errors():
    tracker = make_tracker([("exporten misslyckades", "export_failed")], slots={"language": "sv"})
    _, messages = run(ActionAskForErrorMessage(), tracker)
    assert messages[0]["response"] == "utter_ask_error_message"
    buttons = messages[0]["buttons"]
    assert len(buttons) == 8
    assert buttons[2] == {"title": "Kontot är inte aktivt", "payload": "/account_not_active"}


def test_yes_after_a_fix_ends_politely():
    tracker = make_tracker([("yes", "affirm")], slots={"awaiting_feedback": True})
    events, messages = run(ActionHandleFeedback(), tracker)
    assert [m["response"] for m in messages] == ["utter_fix_worked"]
    assert events == [SlotSet("awaiting_feedback", False)]


def test_no_after_a_fix_escalates():
    tracker = make_tracker([("no", "deny")], slots={"awaiting_feedback": True})
    events, messages = run(ActionHandleFeedback(), tracker)
    assert messages == []
    assert FollowupAction("action_escalate") in events


@pytest.mark.parametrize("intent,response", [("affirm", "utter_affirm_without_question"),
                                             ("deny", "utter_deny_without_question")])
def test_yes_or_no_out_of_the_blue_is_not_an_escalation(intent, response):
    events, messages = run(ActionHandleFeedback(), make_tracker([("x", intent)]))
    assert [m["response"] for m in messages] == [response] and events == []


def test_escalation_records_a_ticket_with_everything_a_person_needs(tickets):
    tracker = make_tracker(
        [
            ("hej", "greet"),
            ("Kontot 1930 är inte aktivt", "account_not_active"),
            ("/deny", "deny"),
            ("det funkar fortfarande inte", "deny"),
        ],
        slots={"language": "sv", "account": "1930", "current_error": "account_not_active",
               "steps_given": ["account_not_active"]},
        sender_id="conv-escalate",
    )
    events, messages = run(ActionEscalate(), tracker)
    [ticket] = tickets.tickets_for("conv-escalate")
    assert messages == [{**messages[0], "response": "utter_escalated", "ticket_id": ticket.id}]
    assert ticket.status == "open" and ticket.reason == "fix_did_not_work"
    assert ticket.detected_error == "account_not_active"
    assert ticket.extracted_values == {"account": "1930"}
    assert ticket.steps_given == ["account_not_active"]
    assert ticket.recent_messages == ["hej", "Kontot 1930 är inte aktivt",
                                      "det funkar fortfarande inte"]
    assert ticket.language == "sv" and ticket.created_at is not None
    assert SlotSet("escalated", True) in events


def test_a_second_escalation_reuses_the_open_ticket(tickets):
    tracker = make_tracker([("human please", "request_human")], sender_id="conv-twice")
    run(ActionEscalate(), tracker)
    _, messages = run(ActionEscalate(), tracker)
    assert len(tickets.tickets_for("conv-twice")) == 1
    # No agent on duty in this test: the case waits for follow-up.
    assert messages[0]["response"] == "utter_already_escalated_follow_up"


def test_escalation_with_the_database_down_still_answers(monkeypatch):
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    url = "postgresql://nobody@127.0.0.1:9/none"
    monkeypatch.setenv("DATABASE_URL", url)
    events, messages = run(ActionEscalate(), make_tracker([("agent", "request_human")]))
    assert [m["response"] for m in messages] == ["utter_escalation_failed"]
    assert events == []


def test_first_misunderstanding_asks_again():
    tracker = make_tracker([("blorp", "nlu_fallback")])
    events, messages = run(ActionHandleFallback(), tracker)
    assert [m["response"] for m in messages] == ["utter_not_understood"] and events == []


def test_second_misunderstanding_in_a_row_escalates():
    tracker = make_tracker([("blorp", "nlu_fallback"), ("zzz", "nlu_fallback")])
    events, messages = run(ActionHandleFallback(), tracker)
    assert [m["response"] for m in messages] == ["utter_still_not_understood"]
    assert events == [FollowupAction("action_escalate")]


def test_misunderstandings_must_be_in_a_row():
    tracker = make_tracker([("blorp", "nlu_fallback"), ("hi", "greet"), ("zzz", "nlu_fallback")])
    events, _ = run(ActionHandleFallback(), tracker)
    assert events == []


@pytest.mark.parametrize("blank", ["", "   ", "\x00\x01"])
def test_a_blank_message_is_pointed_out_and_not_counted(blank):
    tracker = make_tracker([("blorp", "nlu_fallback"), (blank, "nlu_fallback")])
    events, messages = run(ActionHandleFallback(), tracker)
    assert [m["response"] for m in messages] == ["utter_empty_message"] and events == []
    tracker = make_tracker([("blorp", "nlu_fallback"), (blank, "nlu_fallback"), ("zz", "nlu_fallback")])
    events, _ = run(ActionHandleFallback(), tracker)
    assert events == [FollowupAction("action_escalate")]


@pytest.mark.parametrize("language,expected", [
    ("en", "Hi! I'm Exempelbanken's automated assistant"),
    ("sv", "Hej! Jag är Exempelbankens automatiska assistent"),
])
def test_the_greeting_says_it_is_the_banks_automated_assistant(monkeypatch, language, expected):
    from actions.greeting import ActionGreet
    from bot.handoff.responses import render

    monkeypatch.setenv("BANK_NAME", "Exempelbanken")
    _, messages = run(ActionGreet(), make_tracker([("hej", "greet")], slots={"language": language}))
    [message] = messages
    text = render(message["response"], language, **message)
    assert text.startswith(expected) and "Nordea" not in text
