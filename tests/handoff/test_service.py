"""The handoff state machine (bot/handoff/lifecycle.py), the inbox's queries and the agents'
profiles on SQLite and PostgreSQL, with Rasa's API recorded."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy.exc import IntegrityError

from bot.handoff import agents, inbox, lifecycle
from bot.handoff.hours import OpeningHours
from bot.handoff.rasa_api import RasaUnavailable
from bot.storage.annotations import AuditRepository
from bot.storage.database import make_engine, make_session_factory
from bot.storage.migrate import upgrade
from bot.storage.tickets import (
    CLAIMED,
    CLOSED,
    HANDED_BACK,
    OPEN,
    RESOLVED,
    WAITING,
    HandoffTicket,
    NewTicket,
    TicketDetails,
)
from bot.storage.unit_of_work import UnitOfWork
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
    with UnitOfWork.for_database(url) as uow:
        return uow.tickets.open_ticket(NewTicket(
            conversation_id=conversation, reason="fix_did_not_work", language=language,
            detected_error="account_not_active", extracted_values={"account": "1930"},
            steps_given=["account_not_active"], recent_messages=["account 1930 is not active"],
        ), status=status)


def test_claim_pauses_and_announces_the_agent_by_first_name(db):
    url, sessions = db
    ticket = new_ticket(url, language="sv")
    api = RecordingApi()
    with sessions() as session:
        agents.set_first_name(UnitOfWork(sessions), "anna.svensson", "Anna")
        claimed = lifecycle.claim(UnitOfWork(sessions), api, ticket.id, "anna.svensson")
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
        with pytest.raises(lifecycle.HandoffError):
            lifecycle.claim(UnitOfWork(sessions), RecordingApi(), ticket.id, "anna")


def test_two_agents_claiming_at_once_exactly_one_wins(db):
    url, sessions = db
    api = RecordingApi()
    for round_ in range(5):
        ticket = new_ticket(url, conversation=f"conv-race-{round_:012d}")
        barrier = threading.Barrier(2)
        outcome = {}

        def claim(username):
            uow = UnitOfWork(sessions)
            barrier.wait()
            try:
                lifecycle.claim(uow, api, ticket.id, username)
                outcome[username] = "won"
            except lifecycle.HandoffError as problem:
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
            lifecycle.claim(UnitOfWork(sessions), RecordingApi(fail=True), ticket.id, "anna")
    with sessions() as session:
        assert session.get(HandoffTicket, ticket.id).status == WAITING
        # The claim's audit row went with it: the log shows only what happened.
        assert AuditRepository(session).for_conversation(ticket.conversation_id) == []
        lifecycle.claim(UnitOfWork(sessions), RecordingApi(), ticket.id, "bertil")  # claimable again
    with sessions() as session:
        assert [(e.username, e.action) for e in AuditRepository(session).for_conversation(
            ticket.conversation_id)] == [("bertil", "handoff_claimed")]


def test_a_transition_and_its_audit_row_are_one_transaction(db, monkeypatch):
    url, sessions = db
    ticket = new_ticket(url)
    record = AuditRepository.record

    def broken_record(self, username, action, *args, **detail):
        return record(self, None, action, *args, **detail)  # username is NOT NULL

    monkeypatch.setattr(AuditRepository, "record", broken_record)
    api = RecordingApi()
    with pytest.raises(IntegrityError):
        lifecycle.claim(UnitOfWork(sessions), api, ticket.id, "anna")
    with sessions() as session:
        assert session.get(HandoffTicket, ticket.id).status == WAITING
        assert session.get(TicketDetails, ticket.id) is None
        assert AuditRepository(session).for_conversation(ticket.conversation_id) == []
    assert api.calls == []  # the customer saw nothing either


@pytest.mark.parametrize("step, status", [
    ("hand_back", WAITING), ("hand_back", OPEN), ("time_out", CLAIMED), ("time_out", OPEN),
    ("claim", CLAIMED), ("claim", RESOLVED), ("resolve", WAITING), ("resolve", HANDED_BACK),
    ("reopen", RESOLVED), ("close", WAITING), ("close", CLAIMED), ("close", RESOLVED),
])
def test_the_state_machine_refuses_a_step_it_has_no_arrow_for(db, step, status):
    url, sessions = db
    ticket = new_ticket(url)
    with sessions() as session:
        session.get(HandoffTicket, ticket.id).status = status
        session.commit()
    uow = UnitOfWork(sessions)
    with pytest.raises(lifecycle.TransitionNotAllowed):
        with uow:
            lifecycle.transition(uow, ticket.id, step, status)
    with sessions() as session:
        assert session.get(HandoffTicket, ticket.id).status == status


def test_every_arrow_of_the_state_machine_moves_the_ticket_once(db):
    url, sessions = db
    for step, (sources, target) in lifecycle.TRANSITIONS.items():
        for source in sources:
            ticket = new_ticket(url, conversation=f"conv-{step}-{source}")
            with sessions() as session:
                session.get(HandoffTicket, ticket.id).status = source
                session.commit()
            uow = UnitOfWork(sessions)
            with uow:
                assert lifecycle.transition(uow, ticket.id, step, source)
            with uow:
                assert not lifecycle.transition(uow, ticket.id, step, source)  # moved already
                assert uow.tickets.get(ticket.id).status == target


def test_only_the_owner_writes_and_hands_back(db):
    url, sessions = db
    ticket = new_ticket(url)
    api = RecordingApi()
    uow = UnitOfWork(sessions)
    lifecycle.claim(uow, api, ticket.id, "anna")
    with pytest.raises(lifecycle.HandoffError):
        lifecycle.reply(uow, api, ticket.id, "bertil", "hello")
    with pytest.raises(lifecycle.HandoffError):
        lifecycle.hand_back(uow, api, ticket.id, "bertil")
    with pytest.raises(lifecycle.HandoffError):
        lifecycle.reply(uow, api, ticket.id, "anna", "   ")
    with pytest.raises(lifecycle.HandoffError):
        lifecycle.reply(uow, api, ticket.id, "anna", "x" * 4001)
    lifecycle.reply(uow, api, ticket.id, "anna", "Which year is it in?")
    _, [pause, event] = api.calls[-1]
    assert pause["event"] == "pause"
    assert event["event"] == "bot" and event["text"] == "Which year is it in?"
    assert event["metadata"] == {"agent": "Anna", "agent_user": "anna", "ticket_id": ticket.id}


def test_hand_back_resumes_and_the_assistant_says_so(db):
    url, sessions = db
    ticket = new_ticket(url)
    api = RecordingApi()
    with sessions() as session:
        lifecycle.claim(UnitOfWork(sessions), api, ticket.id, "anna")
        assert lifecycle.hand_back(UnitOfWork(sessions), api, ticket.id, "anna").status == HANDED_BACK
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
        lifecycle.claim(UnitOfWork(sessions), RecordingApi(), ticket.id, "anna")
        with pytest.raises(RasaUnavailable):
            lifecycle.hand_back(UnitOfWork(sessions), RecordingApi(fail=True), ticket.id, "anna")
    with sessions() as session:
        assert session.get(HandoffTicket, ticket.id).status == CLAIMED


def test_resolve_needs_a_note_and_the_real_error(db):
    url, sessions = db
    ticket = new_ticket(url)
    api = RecordingApi()
    with sessions() as session:
        lifecycle.claim(UnitOfWork(sessions), api, ticket.id, "anna")
        for note, error in (("", "period_closed"), ("fixed", "nonsense"), ("fixed", "")):
            with pytest.raises(lifecycle.HandoffError):
                lifecycle.resolve(UnitOfWork(sessions), api, ticket.id, "anna", note, error, ERRORS)
        resolved = lifecycle.resolve(UnitOfWork(sessions), api, ticket.id, "anna",
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
    uow = UnitOfWork(sessions)
    with pytest.raises(lifecycle.HandoffError):  # a waiting chat is claimed first
        lifecycle.resolve(uow, api, new_ticket(url, conversation="conv-other-00000001").id,
                        "anna", "x", "other", ERRORS)
    lifecycle.resolve(uow, api, ticket.id, "anna", "Answered by e-mail.", "other", ERRORS)
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
        uow = UnitOfWork(sessions)
        barrier.wait()
        moved.extend(lifecycle.time_out_waiting(uow, api, hours, 180))

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
    assert texts[0].startswith("Tyvärr fick du vänta")
    assert "e-postadress" in texts[1]


def test_follow_up_tells_when_to_expect_an_answer():
    events = lifecycle.follow_up_events("en", "on Monday after 08:00")
    told, ask = [e["text"] for e in events if e["event"] == "bot"]
    assert "a person will answer on Monday after 08:00" in told
    assert "e-mail address" in ask and "08:00" not in ask


def test_inbox_groups_and_times_tickets(db):
    url, sessions = db
    waiting = new_ticket(url, conversation="conv-wait-000000001")
    follow_up = new_ticket(url, status=OPEN, conversation="conv-open-000000001")
    claimed = new_ticket(url, conversation="conv-mine-000000001")
    uow = UnitOfWork(sessions)
    lifecycle.claim(uow, RecordingApi(), claimed.id, "anna")
    lists = inbox.inbox(uow, dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=90))
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
    uow = UnitOfWork(sessions)
    assert inbox.live_status(uow, ticket.conversation_id)["state"] == "waiting"
    assert inbox.live_status(uow, "conv-nobody-0000001") == {"state": "assistant"}
    lifecycle.claim(uow, RecordingApi(), ticket.id, "anna")
    status = inbox.live_status(uow, ticket.conversation_id)
    assert status["state"] == "agent" and status["agent"] == "Anna" and status["since"] > 0


def test_duty_switch_and_first_names(db):
    _, sessions = db
    uow = UnitOfWork(sessions)
    assert agents.agent_profile(uow, "karl-johan.berg").first_name == "Karl"
    assert agents.agents_on_duty(uow) == 0
    agents.set_on_duty(uow, "anna", True)
    assert agents.agents_on_duty(uow) == 1
    always = OpeningHours.parse("always")
    assert agents.team_available(uow, always)
    assert not agents.team_available(uow, OpeningHours.parse("never"))
    for good in ("Anna", "Anna-Karin", "Åsa", "Mary Ann"):
        assert agents.set_first_name(uow, "anna", good).first_name == good
    for bad in ("", "A1", "<b>", "x" * 40, "Anna!"):
        with pytest.raises(lifecycle.HandoffError):
            agents.set_first_name(uow, "anna", bad)


def many_tickets(sessions, count: int, status: str, prefix: str, start: dt.datetime) -> list:
    """``count`` tickets, one a minute from ``start``, written in one transaction."""
    with sessions() as session:
        tickets = [HandoffTicket(conversation_id=f"conv-{prefix}-{i:012d}", status=status,
                                 reason="asked_for_human", language="en",
                                 created_at=start + dt.timedelta(minutes=i))
                   for i in range(count)]
        session.add_all(tickets)
        session.commit()
        return [t.id for t in tickets]


def test_a_new_escalation_is_never_hidden_behind_older_tickets(db):
    # A bank's database after months: hundreds of old follow-ups and chats in progress
    # in front of today's customer, who must still be in "waiting" (longest wait first).
    url, sessions = db
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    follow_ups = many_tickets(sessions, 260, OPEN, "old", long_ago)
    in_progress = many_tickets(sessions, 210, CLAIMED, "busy", long_ago)
    first_waiting = new_ticket(url, conversation="conv-today-000000001")
    second_waiting = new_ticket(url, conversation="conv-today-000000002")
    lists = inbox.inbox(UnitOfWork(sessions))
    assert [e.ticket.id for e in lists[WAITING]] == [first_waiting.id, second_waiting.id]
    assert [e.ticket.id for e in lists[CLAIMED]] == in_progress
    assert lists["open_total"] == 260
    # Follow-ups newest first, a page at a time.
    assert [e.ticket.id for e in lists[OPEN]] == follow_ups[::-1][:inbox.FOLLOW_UPS_PER_PAGE]
    last_page = inbox.inbox(UnitOfWork(sessions), follow_up_page=99)
    assert last_page["open_page"] == last_page["open_pages"] == -(-260 // inbox.FOLLOW_UPS_PER_PAGE)
    assert [e.ticket.id for e in last_page[OPEN]] == follow_ups[::-1][-(260 % inbox.FOLLOW_UPS_PER_PAGE):]


def test_follow_ups_are_found_by_case_number_conversation_e_mail_or_error(db):
    url, sessions = db
    start = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    ids = many_tickets(sessions, 40, OPEN, "find", start)
    with sessions() as session:
        session.get(HandoffTicket, ids[7]).detected_error = "period_closed"
        session.add(TicketDetails(ticket_id=ids[12], contact_email="Kalle.Anka@Example.se"))
        session.add(HandoffTicket(conversation_id="conv-waiting-100%_x", status=WAITING,
                                  reason="asked_for_human", language="sv", created_at=start))
        session.commit()

    def found(search):
        lists = inbox.inbox(UnitOfWork(sessions), follow_up_search=search)
        return [e.ticket.id for e in lists[OPEN]], lists["open_total"]

    assert found(f"#{ids[3]}") == ([ids[3]], 1)
    assert ids[3] in found(str(ids[3]))[0]  # a bare number: that case, and ids containing it
    assert found("PERIOD_closed") == ([ids[7]], 1)
    assert found("kalle.anka@example") == ([ids[12]], 1)
    assert found("conv-find-000000000039") == ([ids[39]], 1)
    assert found("100%") == ([], 0)  # only follow-ups, and % is a character, not a wildcard
    assert found("no such thing") == ([], 0)
    assert found("")[1] == 40 and found("   ")[1] == 40


def test_follow_ups_are_closed_in_bulk_with_a_reason_each_audited(db):
    url, sessions = db
    start = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    spam = many_tickets(sessions, 5, OPEN, "spam", start)
    live = new_ticket(url, conversation="conv-live-000000001")  # waiting: never closed here
    closed = lifecycle.close_follow_ups(UnitOfWork(sessions), [*spam, live.id, 999999],
                                        "anna", "spam from one address")
    assert closed == spam
    with sessions() as session:
        assert {session.get(HandoffTicket, i).status for i in spam} == {CLOSED}
        assert session.get(HandoffTicket, live.id).status == WAITING
        details = session.get(TicketDetails, spam[0])
        assert (details.closed_by, details.resolution_note) == ("anna", "spam from one address")
        audit = AuditRepository(session).for_conversation(f"conv-spam-{0:012d}")
        assert [(e.username, e.action, e.detail["reason"]) for e in audit] == [
            ("anna", "handoff_closed", "spam from one address")]
    # Closed is closed: no second close, no claim.
    assert lifecycle.close_follow_ups(UnitOfWork(sessions), spam, "bertil", "again") == []
    with pytest.raises(lifecycle.HandoffError):
        lifecycle.claim(UnitOfWork(sessions), RecordingApi(), spam[0], "bertil")


@pytest.mark.parametrize("ids, reason, problem", [
    ([1], "", "Say why"), ([1], "x" * 201, "at most 200"), ([], "spam", "Choose"),
    (list(range(1, 202)), "spam", "at most 200 tickets"),
])
def test_a_bulk_close_needs_a_reason_and_a_sane_number_of_tickets(db, ids, reason, problem):
    url, sessions = db
    with pytest.raises(lifecycle.HandoffError, match=problem):
        lifecycle.close_follow_ups(UnitOfWork(sessions), ids, "anna", reason)


def test_a_bulk_close_whose_audit_fails_closes_nothing(db, monkeypatch):
    url, sessions = db
    spam = many_tickets(sessions, 3, OPEN, "spam", dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc))
    record = AuditRepository.record
    calls = []

    def fails_on_the_third(self, username, action, *args, **detail):
        calls.append(action)
        return record(self, None if len(calls) == 3 else username, action, *args, **detail)

    monkeypatch.setattr(AuditRepository, "record", fails_on_the_third)
    with pytest.raises(IntegrityError):
        lifecycle.close_follow_ups(UnitOfWork(sessions), spam, "anna", "spam")
    with sessions() as session:
        assert {session.get(HandoffTicket, i).status for i in spam} == {OPEN}


def _escalation(conversation: str) -> NewTicket:
    return NewTicket(conversation_id=conversation, reason="customer_asked", language="en")


def test_a_follow_up_asked_again_on_duty_waits_for_a_person_from_now(db):
    url, sessions = db
    always = OpeningHours.parse("always")
    start = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone.utc)
    follow_up = new_ticket(url, OPEN, "conv-asked-again-0001")
    with sessions() as session:
        session.get(HandoffTicket, follow_up.id).created_at = start
        session.commit()
    # Off duty: it stays a follow-up.
    assert lifecycle.escalate(UnitOfWork(sessions), _escalation("conv-asked-again-0001"),
                              always).ticket.status == OPEN
    agents.set_on_duty(UnitOfWork(sessions), "anna", True)
    now = start + dt.timedelta(days=3)
    again = lifecycle.escalate(UnitOfWork(sessions), _escalation("conv-asked-again-0001"), always, now)
    assert (again.ticket.id, again.ticket.status, again.created) == (follow_up.id, WAITING, False)
    assert again.with_a_person and not again.needs_contact_email
    lists = inbox.inbox(UnitOfWork(sessions), now + dt.timedelta(minutes=2))
    assert [e.ticket.id for e in lists[WAITING]] == [follow_up.id] and lists[OPEN] == []
    assert lists[WAITING][0].waited_seconds == 120  # from when they asked again
    # The claim-timeout watcher counts from then too, not from the first escalation.
    assert lifecycle.time_out_waiting(UnitOfWork(sessions), RecordingApi(), always, 180,
                                      now + dt.timedelta(minutes=2)) == []
    with sessions() as session:
        [audited] = [e for e in AuditRepository(session).recent(10) if e.action == "handoff_asked_again"]
        assert audited.detail["ticket"] == follow_up.id and audited.detail["first_created"].startswith("2026-11-27")
    assert lifecycle.allowed("ask_again", OPEN) and not lifecycle.allowed("ask_again", CLAIMED)


def test_a_follow_up_asked_again_while_an_agent_claims_it_moves_once(db):
    url, sessions = db
    always = OpeningHours.parse("always")
    agents.set_on_duty(UnitOfWork(sessions), "anna", True)
    for round_ in range(4):
        conversation = f"conv-asked-race-{round_:04d}"
        follow_up = new_ticket(url, OPEN, conversation)
        barrier = threading.Barrier(3)
        outcome = {}

        def ask():
            barrier.wait()
            outcome["ask"] = lifecycle.escalate(UnitOfWork(sessions), _escalation(conversation), always)

        def claim():
            barrier.wait()
            try:
                lifecycle.claim(UnitOfWork(sessions), RecordingApi(), follow_up.id, "bertil")
                outcome["claim"] = "won"
            except lifecycle.HandoffError as problem:
                outcome["claim"] = str(problem)

        threads = [threading.Thread(target=f) for f in (ask, ask, claim)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert outcome["claim"] == "won"  # open or waiting: claimable either way
        with sessions() as session:
            assert session.get(HandoffTicket, follow_up.id).status == CLAIMED
            asked = [e for e in AuditRepository(session).recent(200)
                     if e.action == "handoff_asked_again" and e.detail["ticket"] == follow_up.id]
            assert len(asked) <= 1
        assert outcome["ask"].ticket.id == follow_up.id and not outcome["ask"].created
