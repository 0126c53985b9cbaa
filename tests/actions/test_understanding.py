"""The answers that are not a fix: a step asked about, "Is it A or B?", personal data alone."""
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import consecutive_misunderstood
from actions.escalation import ActionHandleFallback
from actions.fixes import ActionGiveFix
from actions.understanding import ActionAnswerOutOfScope
from tests.support.trackers import user_event

AFTER_FIX = {"current_error": "account_not_active", "account": "1930",
             "accounting_system": "Fortnox", "awaiting_feedback": True}


def tracker_for(text, intent, slots=None, earlier=(), **parse):
    latest = user_event(text, intent)
    latest["parse_data"].update(parse)
    events = [user_event(t, i) for t, i in earlier] + [latest]
    return Tracker("customer-1", dict(slots or {}), latest["parse_data"], events, False, None, {},
                   "action_listen")


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    return action.run(dispatcher, tracker, domain={}), dispatcher.messages


def test_a_question_about_a_step_of_the_fix_just_given_gets_that_step():
    tracker = tracker_for("where do I find the chart of accounts in fortnox?", "out_of_scope",
                          {**AFTER_FIX, "language": "en"})
    events, [message] = run(ActionAnswerOutOfScope(), tracker)
    assert message["response"] == "utter_step_again" and events == []
    assert message["step"].startswith("1. In Fortnox, open the chart of accounts")
    assert message["system"] == "Fortnox"


def test_the_same_question_in_swedish_even_when_read_as_the_same_error():
    tracker = tracker_for("var hittar jag kontoplanen?", "account_not_active",
                          {**AFTER_FIX, "language": "sv"})
    events, [message] = run(ActionGiveFix(), tracker)
    assert message["response"] == "utter_step_again" and "kontoplanen" in message["step"]
    assert events == []


def test_out_of_scope_without_a_fix_given_stays_out_of_scope():
    tracker = tracker_for("where do I find the chart of accounts in fortnox?", "out_of_scope")
    _, [message] = run(ActionAnswerOutOfScope(), tracker)
    assert message["response"] == "utter_out_of_scope"
    tracker = tracker_for("what's the mortgage rate?", "out_of_scope", AFTER_FIX)
    assert run(ActionAnswerOutOfScope(), tracker)[1][0]["response"] == "utter_out_of_scope"


def test_two_close_errors_are_asked_about_by_their_titles_in_the_customers_language():
    tracker = tracker_for("exporten funkar inte, nåt med perioden eller kontot", "nlu_fallback",
                          {"language": "sv"}, clarify=["period_closed", "account_not_active"])
    events, [message] = run(ActionHandleFallback(), tracker)
    assert message["response"] == "utter_which_error" and events == []
    assert (message["first_intent"], message["second_intent"]) == ("period_closed",
                                                                   "account_not_active")
    assert message["second"] == "Kontot är inte aktivt"


def test_personal_data_alone_gets_no_fix_and_does_not_count_as_misunderstood():
    earlier = [("asdf", "nlu_fallback")]
    tracker = tracker_for("mitt personnummer är [personnummer]", "nlu_fallback", {"language": "sv"},
                          earlier, personal_data_only=True)
    events, [message] = run(ActionHandleFallback(), tracker)
    assert message["response"] == "utter_personal_data_only"
    assert FollowupAction("action_escalate") not in events
    assert consecutive_misunderstood(tracker) == 1
