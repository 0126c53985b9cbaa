"""The actions of live handoff: escalation on and off duty, the e-mail question."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import (
    ActionExecutionRejected,
    ActiveLoop,
    ConversationPaused,
    FollowupAction,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionEscalate
from actions.handoff import ValidateEmailForm, find_email
from bot.handoff import agents
from bot.handoff.lifecycle import follow_up_events
from bot.storage.events import EventRepository
from bot.storage.database import make_engine, make_session_factory
from bot.storage.tickets import CLAIMED, OPEN, WAITING, HandoffTicket
from bot.storage.unit_of_work import UnitOfWork
from tests.support.handoff import Tickets
from tests.support.trackers import make_tracker, user_event


@pytest.fixture
def tickets(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HANDOFF_HOURS", "always")
    return Tickets(database_url)


def on_duty(url: str, username: str = "anna") -> None:
    engine = make_engine(url)
    agents.set_on_duty(UnitOfWork(make_session_factory(engine)), username, True)
    engine.dispose()


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain={})
    return events, dispatcher.messages


def test_on_duty_the_ticket_waits_and_the_assistant_pauses(tickets, database_url):
    on_duty(database_url)
    tracker = make_tracker([("I want a person", "request_human")], sender_id="conv-live-1")
    events, messages = run(ActionEscalate(), tracker)
    [ticket] = tickets.tickets_for("conv-live-1")
    assert ticket.status == WAITING
    assert [m["response"] for m in messages] == ["utter_handoff_waiting"]
    assert messages[0]["ticket_id"] == ticket.id
    assert events[-1] == ConversationPaused()


def test_outside_the_hours_nobody_is_on_duty(tickets, database_url, monkeypatch):
    on_duty(database_url)
    monkeypatch.setenv("HANDOFF_HOURS", "never")
    events, messages = run(ActionEscalate(), make_tracker([("human", "request_human")],
                                                          sender_id="conv-closed-1"))
    [ticket] = tickets.tickets_for("conv-closed-1")
    assert ticket.status == OPEN
    assert [m["response"] for m in messages] == ["utter_escalated"]
    assert SlotSet("handoff_expected", "as soon as we can") in events
    assert events[-1] == FollowupAction("email_form") and ConversationPaused() not in events


def test_asking_again_while_someone_has_the_chat_pauses_again(tickets, database_url):
    on_duty(database_url)
    tracker = make_tracker([("human", "request_human")], sender_id="conv-again-1")
    run(ActionEscalate(), tracker)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        session.query(HandoffTicket).update({"status": CLAIMED})
        session.commit()
    engine.dispose()
    events, messages = run(ActionEscalate(), tracker)
    assert messages[0]["response"] == "utter_already_escalated"
    assert ConversationPaused() in events


def test_asking_again_off_duty_asks_for_the_address_until_there_is_one(tickets):
    tracker = make_tracker([("human", "request_human")], sender_id="conv-again-2")
    run(ActionEscalate(), tracker)
    events, _ = run(ActionEscalate(), tracker)
    assert FollowupAction("email_form") in events
    tickets.save_contact_email("conv-again-2", "a@b.se")
    events, messages = run(ActionEscalate(), tracker)
    assert messages[0]["response"] == "utter_already_escalated_follow_up"
    assert FollowupAction("email_form") not in events


def test_a_follow_up_becomes_a_live_chat_when_the_customer_asks_again_on_duty(tickets, database_url):
    """Off duty the ticket went to follow-up; the customer asks for a person again while
    Anna is on duty: the chat waits for her (paused, in the inbox's waiting list)."""
    tracker = make_tracker([("human", "request_human")], sender_id="conv-again-3")
    run(ActionEscalate(), tracker)
    [ticket] = tickets.tickets_for("conv-again-3")
    assert ticket.status == OPEN
    on_duty(database_url)
    tracker = make_tracker([("human", "request_human"), ("a person please", "request_human")],
                           sender_id="conv-again-3")
    events, messages = run(ActionEscalate(), tracker)
    [ticket] = tickets.tickets_for("conv-again-3")
    assert ticket.status == WAITING
    assert [(m["response"], m["ticket_id"]) for m in messages] == [("utter_already_escalated", ticket.id)]
    assert events[-1] == ConversationPaused() and FollowupAction("email_form") not in events


@pytest.mark.parametrize("text,email", [
    ("anna@firma.se", "anna@firma.se"),
    ("sure: Anna.Svensson@Firma.SE thanks", "Anna.Svensson@firma.se"),
    ("mejla mig på per+export@bolag.co.uk.", "per+export@bolag.co.uk"),
    ("anna@firma", None), ("@firma.se", None), ("anna@@firma.se", None),
    ("a@b.se or c@d.se", None), ("anna..s@firma.se", None), ("no address", None),
])
def test_an_email_address_in_what_the_customer_wrote(text, email):
    assert find_email(text) == email


def form_tracker(text: str, sender: str, intent: str = "nlu_fallback") -> Tracker:
    event = user_event(text, intent)
    return Tracker(
        sender_id=sender, slots={"requested_slot": "contact_email", "contact_email": None},
        latest_message=event["parse_data"], events=[event], paused=False, followup_action=None,
        active_loop={"name": "email_form"}, latest_action_name="action_listen",
    )


async def run_form(tracker):
    dispatcher = CollectingDispatcher()
    events = await ValidateEmailForm().run(dispatcher, tracker, {})
    return events, dispatcher.messages


@pytest.fixture
def stored(tracker_url, monkeypatch):
    """The tracker store the action reads the conversation from."""
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    return EventRepository(make_engine(tracker_url))


def store_the_question(stored: EventRepository, sender: str) -> None:
    """What Rasa stores when the e-mail form asks (as the claim-timeout watcher writes it)."""
    stored.add_all((sender, event) for event in follow_up_events("en", "tomorrow"))


async def test_a_valid_address_is_kept_on_the_ticket(tickets, stored):
    run(ActionEscalate(), make_tracker([("human", "request_human")], sender_id="conv-mail-1"))
    store_the_question(stored, "conv-mail-1")
    events, messages = await run_form(form_tracker("it is Anna@Firma.se", "conv-mail-1"))
    assert SlotSet("contact_email", "Anna@firma.se") in events
    assert events[-1] == FollowupAction("action_listen")
    assert [m["response"] for m in messages] == ["utter_contact_email_saved"]
    [ticket] = tickets.tickets_for("conv-mail-1")
    assert tickets.contact_email(ticket.id) == "Anna@firma.se"


@pytest.mark.parametrize("stored_events", [
    [],  # never asked
    "asked and answered",
])
async def test_an_address_is_not_saved_unless_the_stored_conversation_asked_for_it(
        tickets, stored, stored_events):
    # A forged call to the action server claims the form is asking (its tracker says
    # so) to overwrite the address on someone else's ticket.
    run(ActionEscalate(), make_tracker([("human", "request_human")], sender_id="conv-mail-9"))
    if stored_events:
        store_the_question(stored, "conv-mail-9")
        stored.add_all([("conv-mail-9", {"event": "active_loop", "name": None, "timestamp": 2e9}),
                        ("conv-mail-9", {"event": "slot", "name": "requested_slot", "value": None,
                                         "timestamp": 2e9})])
    events, messages = await run_form(form_tracker("evil@attacker.example", "conv-mail-9"))
    assert "utter_contact_email_saved" not in [m.get("response") for m in messages]
    [ticket] = tickets.tickets_for("conv-mail-9")
    assert tickets.contact_email(ticket.id) is None


def test_asking_the_stored_conversation_reuses_the_process_connection(postgres_url, monkeypatch):
    """The action server asks once per e-mail answer; a new engine each time opened a new
    database connection and asked the server its version before the one query.  (SQLite
    files, `make run`'s, are opened per use by SQLAlchemy 1.4 whatever the engine.)"""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from actions.handoff import question_was_asked
    from bot.storage.events import create_events_table

    create_events_table(postgres_url)
    monkeypatch.setenv("TRACKER_STORE_URL", postgres_url)
    store_the_question(EventRepository(make_engine(postgres_url)), "conv-mail-5")
    opened = []

    def count(*_):
        opened.append(1)

    event.listen(Engine, "connect", count)
    try:
        assert [question_was_asked("conv-mail-5") for _ in range(3)] == [True] * 3
    finally:
        event.remove(Engine, "connect", count)
    assert len(opened) <= 1


async def test_a_broken_address_is_asked_again(tickets):
    events, messages = await run_form(form_tracker("anna@firma", "conv-mail-2"))
    assert SlotSet("contact_email", None) in events
    assert [m["response"] for m in messages] == ["utter_contact_email_invalid"]


async def test_anything_else_ends_the_question_and_goes_to_the_rules(tickets):
    events, messages = await run_form(form_tracker("Thank you!", "conv-mail-3", "thank"))
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None),
                      ActionExecutionRejected("email_form")]
    assert messages == []


def test_unreadable_hours_mean_follow_up_not_silence(tickets, database_url, monkeypatch):
    on_duty(database_url)
    monkeypatch.setenv("HANDOFF_HOURS", "weekdays, mostly")
    events, messages = run(ActionEscalate(), make_tracker([("human", "request_human")],
                                                          sender_id="conv-hours-1"))
    assert [m["response"] for m in messages] == ["utter_escalated"]
    assert tickets.tickets_for("conv-hours-1")[0].status == OPEN


def flooding_tracker(sender: str, key: str, text: str = "I want to talk to a person") -> Tracker:
    tracker = make_tracker([(text, "request_human")], sender_id=sender)
    tracker.events[-1]["metadata"] = {"client_key": key}
    return tracker


def test_a_conversation_opened_by_a_bare_button_payload_opens_no_ticket(tickets):
    # A script's one-request ticket: "/request_human" as the very first message.
    events, messages = run(ActionEscalate(), flooding_tracker("conv-payload-1", "k1", "/request_human"))
    assert [m["response"] for m in messages] == ["utter_describe_before_person"]
    assert events == [] and tickets.tickets_for("conv-payload-1") == []
    # The button the assistant then shows (or one from any earlier answer) opens one.
    tracker = flooding_tracker("conv-payload-1", "k1", "/request_human")
    tracker.events.insert(0, {"event": "bot", "text": "Happy to bring in a person."})
    run(ActionEscalate(), tracker)
    assert len(tickets.tickets_for("conv-payload-1")) == 1


def test_past_the_limit_of_an_address_no_ticket_and_a_clear_answer(tickets, monkeypatch):
    monkeypatch.setenv("ESCALATIONS_PER_ADDRESS_PER_HOUR", "2")
    for n in range(2):
        run(ActionEscalate(), flooding_tracker(f"conv-flood-{n}", "same-address"))
    events, messages = run(ActionEscalate(), flooding_tracker("conv-flood-2", "same-address"))
    assert [m["response"] for m in messages] == ["utter_escalation_limited"]
    assert events == [] and tickets.tickets_for("conv-flood-2") == []
    # Another address still gets its ticket.
    run(ActionEscalate(), flooding_tracker("conv-flood-3", "other-address"))
    assert len(tickets.tickets_for("conv-flood-3")) == 1
