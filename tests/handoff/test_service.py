"""The handoff state machine on SQLite and PostgreSQL, with Rasa's API recorded."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from bot.handoff import service
from bot.handoff.hours import OpeningHours
from bot.handoff.rasa_api import RasaUnavailable
from bot.storage.database import make_engine, make_session_factory
from bot.storage.migrate import upgrade
from bot.storage.tickets import (
    CLAIMED,
    HANDED_BACK,
    OPEN,
    RESOLVED,
    WAITING,
    HandoffTicket,
    NewTicket,
    TicketDetails,
    TicketRepository,
)
from tests.support.handoff import RecordingApi

ERRORS = ["account_not_active", "period_closed"]


@pytest.fixture
def db(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    yield database_url, sessions
    engine.dispose()


def new_ticket(url: str, status: str = WAITING, conversation: str = "conv-handoff-0000001",
               language: str = "en") -> HandoffTicket:
    return TicketRepository(url).open_ticket(NewTicket(
        conversation_id=conversation, reason="fix_did_not_work", language=language,
        detected_error="account_not_active", extracted_values={"account": "1930"},
        steps_given=["account_not_active"], recent_messages=["account 1930 is not active"],
    ), status=status)


def test_claim_pauses_and_announces_the_agent_by_first_name(db):
    url, sessions = db
    ticket = new_ticket(url, language="sv")
    api = RecordingApi()
    with sessions() as session:
        service.set_first_name(session, "anna.svensson", "Anna")
        session.commit()
        claimed = service.claim(session, api, ticket.id, "anna.svensson")
        assert claimed.status == CLAIMED
        details = session.get(TicketDetails, ticket.id)
        assert (details.claimed_by, details.agent_name) == ("anna.svensson", "Anna")
    conversation, events = api.calls[0]
    assert conversation == ticket.conversation_id
    assert [e["event"] for e in events] == ["pause", "bot"]
    assert events[1]["text"] == "Anna från kundtjänst har anslutit till chatten."
    assert events[1]["metadata"]["agent"] == "Anna"


@pytest.mark.parametrize("status", [CLAIMED, RESOLVED, HANDED_BACK])
def test_only_waiting_and_open_tickets_can_be_claimed(db, status):
    url, sessions = db
    ticket = new_ticket(url)
    with sessions() as session:
        session.get(HandoffTicket, ticket.id).status = status
        session.commit()
        with pytest.raises(service.HandoffError):
            service.claim(session, RecordingApi(), ticket.id, "anna")


def test_two_agents_claiming_at_once_exactly_one_wins(db):
    url, sessions = db
    api = RecordingApi()
    for round_ in range(5):
        ticket = new_ticket(url, conversation=f"conv-race-{round_:012d}")
        barrier = threading.Barrier(2)
        outcome = {}

        def claim(username):
            with sessions() as session:
                barrier.wait()
                try:
                    service.claim(session, api, ticket.id, username)
                    outcome[username] = "won"
                except service.HandoffError as problem:
                    outcome[username] = str(problem)

        threads = [threading.Thread(target=claim, args=(name,)) for name in ("anna", "bertil")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(outcome.values()).count("won") == 1, outcome
        winner = next(name for name, result in outcome.items() if result == "won")
        loser = next(result for result in outcome.values() if result != "won")
        assert loser == f"{winner} already has this chat."
        with sessions() as session:
            assert session.get(TicketDetails, ticket.id).claimed_by == winner
            assert session.get(HandoffTicket, ticket.id).status == CLAIMED
    # One pause-and-join per ticket: the loser never wrote into the conversation.
    assert len(api.calls) == 5


def test_a_claim_rasa_did_not_take_is_undone(db):
    url, sessions = db
    ticket = new_ticket(url)
    with sessions() as session:
        with pytest.raises(RasaUnavailable):
            service.claim(session, RecordingApi(fail=True), ticket.id, "anna")
    with sessions() as session:
        assert session.get(HandoffTicket, ticket.id).status == WAITING
        service.claim(session, RecordingApi(), ticket.id, "bertil")  # claimable again


def test_only_the_owner_writes_and_hands_back(db):
    url, sessions = db
    ticket = new_ticket(url)
    api = RecordingApi()
    with sessions() as session:
        service.claim(session, api, ticket.id, "anna")
    with sessions() as session:
        with pytest.raises(service.HandoffError):
            service.reply(session, api, ticket.id, "bertil", "hello")
        with pytest.raises(service.HandoffError):
            service.hand_back(session, api, ticket.id, "bertil")
        with pytest.raises(service.HandoffError):
            service.reply(session, api, ticket.id, "anna", "   ")
        with pytest.raises(service.HandoffError):
            service.reply(session, api, ticket.id, "anna", "x" * 4001)
        service.reply(session, api, ticket.id, "anna", "Which year is it in?")
    _, [pause, event] = api.calls[-1]
    assert pause["event"] == "pause"
    assert event["event"] == "bot" and event["text"] == "Which year is it in?"
    assert event["metadata"] == {"agent": "Anna", "agent_user": "anna", "ticket_id": ticket.id}


def test_hand_back_resumes_and_the_assistant_says_so(db):
    url, sessions = db
    ticket = new_ticket(url)
    api = RecordingApi()
    with sessions() as session:
        service.claim(session, api, ticket.id, "anna")
        assert service.hand_back(session, api, ticket.id, "anna").status == HANDED_BACK
    events = api.calls[-1][1]
    assert [e["event"] for e in events] == ["resume", "active_loop", "slot", "action", "bot", "action"]
    assert events[3]["name"] == "utter_handed_back" and events[-1]["name"] == "action_listen"
    assert events[4]["text"].startswith("I'm back")
    assert events[4]["metadata"] == {"utter_action": "utter_handed_back"}
    with sessions() as session:
        details = session.get(TicketDetails, ticket.id)
        assert details.closed_by == "anna" and details.closed_at is not None


def test_a_hand_back_rasa_did_not_take_leaves_the_chat_with_the_agent(db):
    url, sessions = db
    ticket = new_ticket(url)
    with sessions() as session:
        service.claim(session, RecordingApi(), ticket.id, "anna")
        with pytest.raises(RasaUnavailable):
            service.hand_back(session, RecordingApi(fail=True), ticket.id, "anna")
    with sessions() as session:
        assert session.get(HandoffTicket, ticket.id).status == CLAIMED


def test_resolve_needs_a_note_and_the_real_error(db):
    url, sessions = db
    ticket = new_ticket(url)
    api = RecordingApi()
    with sessions() as session:
        service.claim(session, api, ticket.id, "anna")
        for note, error in (("", "period_closed"), ("fixed", "nonsense"), ("fixed", "")):
            with pytest.raises(service.HandoffError):
                service.resolve(session, api, ticket.id, "anna", note, error, ERRORS)
        resolved = service.resolve(session, api, ticket.id, "anna",
                                   "Period was locked; mail me at a@b.se", "period_closed", ERRORS)
        assert resolved.status == RESOLVED
        details = session.get(TicketDetails, ticket.id)
        assert details.resolved_error == "period_closed"
        assert details.resolution_note == "Period was locked; mail me at [e-mail]"
    assert api.calls[-1][1][3]["name"] == "utter_handoff_closed"


def test_an_open_follow_up_resolves_without_touching_the_conversation(db):
    url, sessions = db
    ticket = new_ticket(url, status=OPEN)
    api = RecordingApi()
    with sessions() as session:
        with pytest.raises(service.HandoffError):  # a waiting chat is claimed first
            service.resolve(session, api, new_ticket(url, conversation="conv-other-00000001").id,
                            "anna", "x", "other", ERRORS)
        service.resolve(session, api, ticket.id, "anna", "Answered by e-mail.", "other", ERRORS)
    assert api.calls == []


def test_unclaimed_chats_time_out_to_follow_up_once(db):
    url, sessions = db
    old = new_ticket(url, conversation="conv-old-0000000001", language="sv")
    fresh = new_ticket(url, conversation="conv-new-0000000001")
    with sessions() as session:
        session.get(HandoffTicket, old.id).created_at = (
            dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10))
        session.commit()
    api = RecordingApi()
    hours = OpeningHours.parse("mon-fri 08:00-17:00", "Europe/Stockholm")
    moved = []
    barrier = threading.Barrier(2)

    def watcher():
        with sessions() as session:
            barrier.wait()
            moved.extend(service.time_out_waiting(session, api, hours, 180))

    threads = [threading.Thread(target=watcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert moved == [old.id]  # once, though two watchers ran at the same time
    with sessions() as session:
        assert session.get(HandoffTicket, old.id).status == OPEN
        assert session.get(HandoffTicket, fresh.id).status == WAITING
        assert session.get(TicketDetails, old.id).follow_up_at is not None
    [(conversation, events)] = api.calls
    assert conversation == old.conversation_id
    kinds = [e["event"] for e in events]
    assert kinds[0] == "resume" and kinds[-1] == "action"
    assert {"event": "active_loop", "name": "email_form"}.items() <= next(
        e for e in events if e["event"] == "active_loop").items()
    texts = [e["text"] for e in events if e["event"] == "bot"]
    assert texts[0].startswith("Förlåt att du fått vänta")
    assert "e-postadress" in texts[1]


def test_follow_up_tells_when_to_expect_an_answer():
    events = service.follow_up_events("en", "on Monday after 08:00")
    ask = [e for e in events if e["event"] == "bot"][-1]["text"]
    assert "you can expect an answer on Monday after 08:00" in ask


def test_inbox_groups_and_times_tickets(db):
    url, sessions = db
    waiting = new_ticket(url, conversation="conv-wait-000000001")
    follow_up = new_ticket(url, status=OPEN, conversation="conv-open-000000001")
    claimed = new_ticket(url, conversation="conv-mine-000000001")
    with sessions() as session:
        service.claim(session, RecordingApi(), claimed.id, "anna")
        lists = service.inbox(session, dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=90))
    assert [e.ticket.id for e in lists[WAITING]] == [waiting.id]
    assert [e.ticket.id for e in lists[OPEN]] == [follow_up.id]
    [mine] = lists[CLAIMED]
    record = mine.as_dict()
    assert record["claimed_by"] == "anna" and record["agent_name"] == "Anna"
    assert 85 <= lists[WAITING][0].waited_seconds <= 100
    assert mine.waited_seconds < 10  # the wait ended when anna claimed it, 90 s ago
    assert record["extracted_values"] == {"account": "1930"}


def test_the_widget_learns_who_has_the_chat(db):
    url, sessions = db
    ticket = new_ticket(url)
    with sessions() as session:
        assert service.live_status(session, ticket.conversation_id)["state"] == "waiting"
        assert service.live_status(session, "conv-nobody-0000001") == {"state": "assistant"}
        service.claim(session, RecordingApi(), ticket.id, "anna")
        status = service.live_status(session, ticket.conversation_id)
    assert status["state"] == "agent" and status["agent"] == "Anna" and status["since"] > 0


def test_duty_switch_and_first_names(db):
    _, sessions = db
    with sessions() as session:
        assert service.agent_profile(session, "karl-johan.berg").first_name == "Karl"
        assert service.agents_on_duty(session) == 0
        service.set_on_duty(session, "anna", True)
        assert service.agents_on_duty(session) == 1
        always = OpeningHours.parse("always")
        assert service.team_available(session, always)
        assert not service.team_available(session, OpeningHours.parse("never"))
        for good in ("Anna", "Anna-Karin", "Åsa", "Mary Ann"):
            assert service.set_first_name(session, "anna", good).first_name == good
        for bad in ("", "A1", "<b>", "x" * 40, "Anna!"):
            with pytest.raises(service.HandoffError):
                service.set_first_name(session, "anna", bad)
