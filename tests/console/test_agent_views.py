"""The agent inbox in the console (Flask test client), with Rasa's API recorded."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.console.databases import Databases
from bot.handoff import agents
from bot.storage.tickets import CLAIMED, OPEN, HandoffTicket, NewTicket
from bot.storage.unit_of_work import UnitOfWork
from tests.support.console import make_console
from tests.support.databases import create_events_table
from tests.support.handoff import RecordingApi

CONVERSATION = "conv-agent-views-00000001"


@pytest.fixture
def console(databases):
    """The console on SQLite and on PostgreSQL, with Rasa's API recorded."""
    console = make_console(databases, HANDOFF_HOURS="always")
    console.api = RecordingApi()
    console.app.extensions["agent_inbox"]["api"] = console.api
    for username, first_name in (("anna", "Anna"), ("tove", "Tove")):  # adam has not yet
        agents.set_first_name(UnitOfWork(databases.sessions), username, first_name)
    return console


def ticket(console, status: str = "waiting", conversation: str = CONVERSATION) -> HandoffTicket:
    with UnitOfWork(console.databases.sessions) as uow:
        return uow.tickets.open_ticket(NewTicket(
            conversation_id=conversation, reason="customer_asked", language="en",
            detected_error="period_closed", extracted_values={"period_date": "2024-12-31"},
            steps_given=["period_closed"], recent_messages=["the period is closed <b>x</b>"],
        ), status=status)


def test_any_signed_in_staff_user_sees_the_inbox(console):
    waiting = ticket(console)
    for user in ("anna", "tove", "adam"):
        client = console.new_client()
        client.sign_in(user)
        page = client.get("/console/agent/")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f"Case {waiting.id}" in html and "period_closed" in html
        assert "period_date = 2024-12-31" in html
        assert "&lt;b&gt;x&lt;/b&gt;" in html  # what customers wrote is escaped
        assert 'src="/console/static/agent.js"' in html


def test_the_inbox_as_json_and_as_the_polled_fragment(console):
    waiting = ticket(console)
    follow_up = ticket(console, OPEN, "conv-agent-views-00000002")
    console.sign_in("anna")
    data = console.get("/console/api/agent/inbox").json
    assert data["active_total"] == 2 and data["active_warning"] is None
    assert [t["id"] for t in data["waiting"]] == [waiting.id]
    assert [t["id"] for t in data["open"]] == [follow_up.id]
    assert data["me"] == {"username": "anna", "first_name": "Anna", "on_duty": False,
                          "name_confirmed": True}
    assert data["team_available"] is False and data["open_now"] is True
    entry = data["waiting"][0]
    assert entry["url"] == f"/console/agent/chats/{CONVERSATION}"
    assert entry["detected_error"] == "period_closed" and entry["language"] == "en"
    fragment = console.get("/console/agent/?fragment=1").get_data(as_text=True)
    assert "<html" not in fragment and f"Claim case {waiting.id}" in fragment


def test_todays_customer_is_in_the_inbox_behind_hundreds_of_old_follow_ups(console):
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with console.databases.sessions() as session:
        session.add_all([HandoffTicket(conversation_id=f"conv-old-follow-up-{i:08d}", status=OPEN,
                                       reason="off_duty", language="sv",
                                       created_at=long_ago + dt.timedelta(hours=i))
                         for i in range(230)])
        session.commit()
    waiting = ticket(console)
    console.sign_in("anna")
    data = console.get("/console/api/agent/inbox").json
    assert [t["id"] for t in data["waiting"]] == [waiting.id]
    assert data["open_total"] == 230 and len(data["open"]) == 25
    assert data["active_total"] == 231 and "231 tickets are unclosed (more than 100)" in data["active_warning"]
    assert (data["open_page"], data["open_pages"]) == (1, 10)
    assert data["open"][0]["id"] > data["open"][-1]["id"]  # newest first
    page = console.get("/console/agent/").get_data(as_text=True)
    assert f"Claim case {waiting.id}" in page and "Follow up <span class=\"count\">(230)" in page
    assert "Page 1 of 10" in page and "?page=2" in page and "fragment=1&amp;page=1" in page
    assert 'class="flash error backlog" role="alert">231 tickets are unclosed' in page
    last = console.get("/console/api/agent/inbox?page=10").json
    assert last["open_page"] == 10 and len(last["open"]) == 5
    assert console.get("/console/api/agent/inbox?page=x").json["open_page"] == 1
    assert console.get("/console/api/agent/inbox?page=99999").json["open_page"] == 10
    found = console.get("/console/api/agent/inbox?q=conv-old-follow-up-00000007").json
    assert [t["conversation_id"] for t in found["open"]] == ["conv-old-follow-up-00000007"]
    assert found["open_total"] == 1 and found["open_search"] == "conv-old-follow-up-00000007"
    assert found["active_total"] == 231  # the warning counts every unclosed ticket
    assert [t["id"] for t in found["waiting"]] == [waiting.id]  # the search never hides them
    page = console.get("/console/agent/?q=%3Cscript%3E").get_data(as_text=True)
    assert "<script>" not in page and "&lt;script&gt;" in page and "(0 matching" in page


def test_unreadable_hours_stop_the_pages_process_at_start_up(database_url, tmp_path):
    # The pages process says what is wrong at once; the action server, which must answer
    # the customer anyway, treats such hours as closed (tests/handoff/test_hours.py).
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    create_events_table(tracker)
    databases = Databases.open(database_url, tracker)
    with pytest.raises(SystemExit, match="HANDOFF_HOURS"):
        make_console(databases, HANDOFF_HOURS="weekdays, mostly")
    databases.dispose()


def test_duty_and_name(console):
    console.sign_in("anna")
    assert console.post("/console/agent/duty", {"on_duty": "yes"}).status_code == 302
    assert console.get("/console/api/agent/inbox").json["me"]["on_duty"] is True
    assert console.get("/console/api/agent/inbox").json["team_available"] is True
    response = console.post("/console/agent/name", {"first_name": "Anna-Karin"})
    assert response.status_code == 302
    assert console.get("/console/api/agent/inbox").json["me"]["first_name"] == "Anna-Karin"
    bad = console.client.post("/console/agent/name", data={
        "first_name": "<script>", "csrf_token": console.csrf()}, headers={"X-Requested-With": "fetch"})
    assert bad.status_code == 400 and "letters only" in bad.json["error"]


def test_forms_need_the_csrf_token(console):
    ticket(console)
    console.sign_in("anna")
    assert console.post(f"/console/agent/chats/{CONVERSATION}/claim", csrf=False).status_code == 403
    assert console.api.calls == []


def test_claim_reply_and_hand_back_through_the_forms(console):
    waiting = ticket(console)
    console.sign_in("anna")
    response = console.post(f"/console/agent/chats/{CONVERSATION}/claim", {"ticket": str(waiting.id)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/console/agent/chats/{CONVERSATION}"
    page = console.get(f"/console/agent/chats/{CONVERSATION}").get_data(as_text=True)
    assert "Your reply" in page and "Hand back to the assistant" in page
    assert console.post(f"/console/agent/chats/{CONVERSATION}/reply", {"text": "Hello!"}).status_code == 302
    assert console.api.calls[-1][1][-1]["text"] == "Hello!"
    data = console.get(f"/console/api/agent/chats/{CONVERSATION}/messages?after=0").json
    assert data["ticket"]["status"] == CLAIMED and data["mine"] is True

    other = console.new_client()
    other.sign_in("tove")
    taken = other.client.post(f"/console/agent/chats/{CONVERSATION}/claim",
                              data={"csrf_token": other.csrf()}, headers={"X-Requested-With": "fetch"})
    assert taken.status_code == 409 and taken.json == {"error": "anna already has this chat."}
    assert "Your reply" not in other.get(f"/console/agent/chats/{CONVERSATION}").get_data(as_text=True)
    assert other.post(f"/console/agent/chats/{CONVERSATION}/reply", {"text": "me"}).status_code == 302
    assert console.api.calls[-1][1][-1]["text"] == "Hello!"  # tove's message went nowhere

    assert console.post(f"/console/agent/chats/{CONVERSATION}/hand-back").status_code == 302
    assert console.api.calls[-1][1][0]["event"] == "resume"


def test_a_claim_for_an_old_ticket_is_refused(console):
    first = ticket(console)
    with console.databases.sessions() as session:
        session.get(HandoffTicket, first.id).status = "resolved"
        session.commit()
    ticket(console)
    console.sign_in("anna")
    response = console.client.post(f"/console/agent/chats/{CONVERSATION}/claim", data={
        "ticket": str(first.id), "csrf_token": console.csrf()}, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 409


def test_resolve_with_note_and_error(console):
    waiting = ticket(console)
    console.sign_in("anna")
    console.post(f"/console/agent/chats/{CONVERSATION}/claim")
    missing = console.client.post(f"/console/agent/chats/{CONVERSATION}/resolve", data={
        "note": "", "actual_error": "period_closed", "csrf_token": console.csrf()},
        headers={"X-Requested-With": "fetch"})
    assert missing.status_code == 400
    done = console.post(f"/console/agent/chats/{CONVERSATION}/resolve", {
        "note": "Unlocked 2024.", "actual_error": "period_closed"})
    assert done.status_code == 302 and done.headers["Location"] == "/console/agent/"
    with console.databases.sessions() as session:
        assert session.get(HandoffTicket, waiting.id).status == "resolved"
    admin = console.new_client()
    admin.sign_in("adam")
    log = admin.get("/console/audit").get_data(as_text=True)
    assert "handoff claimed" in log and "handoff resolved" in log


def test_when_rasa_does_not_answer_nothing_changes(console):
    waiting = ticket(console)
    console.api.fail = True
    console.sign_in("anna")
    response = console.client.post(f"/console/agent/chats/{CONVERSATION}/claim", data={
        "csrf_token": console.csrf()}, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 503 and "try again" in response.json["error"]
    with console.databases.sessions() as session:
        assert session.get(HandoffTicket, waiting.id).status == "waiting"


def test_unknown_conversations_are_404(console):
    console.sign_in("anna")
    assert console.get("/console/agent/chats/conv-nobody-000000001").status_code == 404
    assert console.get("/console/api/agent/chats/conv-nobody-000000001/messages").status_code == 404


def test_the_watcher_round_moves_unclaimed_chats(console):
    import datetime as dt

    from bot.handoff.hours import OpeningHours
    from bot.handoff.watcher import ClaimTimeoutWatcher

    waiting = ticket(console)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    watcher = ClaimTimeoutWatcher(UnitOfWork(console.databases.sessions), console.api,
                                  OpeningHours.parse("always"), 180)
    assert watcher.round(later) == [waiting.id]
    with console.databases.sessions() as session:
        assert session.get(HandoffTicket, waiting.id).status == OPEN
    assert console.api.calls[-1][1][0]["event"] == "resume"


@pytest.mark.parametrize("seconds, text", [
    (0, "under 1 min"), (59, "under 1 min"), (60, "1 min"), (539, "8 min"), (3599, "59 min"),
    (3600, "1 h 0 min"), (3600 + 5 * 60 + 59, "1 h 5 min"), (86399, "23 h 59 min"),
    (3 * 86400 + 4 * 3600 + 120, "3 d 4 h"), (-5, "under 1 min"), (None, "under 1 min"),
])
def test_waiting_time_reads_as_a_duration_not_a_time_of_day(seconds, text):
    from bot.console.agent_views import waited_text

    assert waited_text(seconds) == text


def test_agents_close_ticked_follow_ups_as_spam(console):
    spam = [ticket(console, OPEN, f"conv-agent-views-spam-{i:04d}") for i in range(3)]
    waiting = ticket(console)
    console.sign_in("anna")
    response = console.client.post("/console/agent/follow-ups/close", data={
        "ticket": [str(t.id) for t in spam[:2]] + [str(waiting.id)], "reason": "spam",
        "back": "/console/agent/?page=1", "csrf_token": console.csrf()})
    assert response.status_code == 302 and response.headers["Location"] == "/console/agent/?page=1"
    data = console.get("/console/api/agent/inbox").json
    assert [t["id"] for t in data["open"]] == [spam[2].id]
    assert [t["id"] for t in data["waiting"]] == [waiting.id]
    page = console.get("/console/agent/").get_data(as_text=True)
    assert "Closed 2 follow-ups. 1 had been taken or closed by someone else" in page
    assert 'form="close-follow-ups"' in page and 'id="close-follow-ups"' in page
    console.sign_in("adam")
    audit = console.get("/console/audit").get_data(as_text=True)
    assert audit.count("<td>handoff closed</td>") == 2 and '"reason": "spam"' in audit
    refused = console.client.post("/console/agent/follow-ups/close", data={
        "ticket": [str(spam[2].id)], "reason": "", "csrf_token": console.csrf()},
        headers={"X-Requested-With": "fetch"})
    assert refused.status_code == 400 and "Say why" in refused.json["error"]
    bad = console.client.post("/console/agent/follow-ups/close", data={
        "ticket": ["x"], "reason": "spam", "csrf_token": console.csrf()},
        headers={"X-Requested-With": "fetch"})
    assert bad.status_code == 400
    no_csrf = console.client.post("/console/agent/follow-ups/close", data={
        "ticket": [str(spam[2].id)], "reason": "spam"})
    assert no_csrf.status_code == 403


def _said(console, *events):
    console.databases.events.add_all([(CONVERSATION, e) for e in events])


def test_the_chat_shows_what_the_customer_saw_buttons_and_formatting(console):
    fixed = [{"title": "Yes, it works", "payload": "/affirm"},
             {"title": "No, still failing", "payload": "/deny"}]
    _said(console,
          {"event": "user", "timestamp": 1.0, "text": '/greet{"language":"en"}'},
          {"event": "bot", "timestamp": 2.0, "text": "**Account 1930** is closed.\n1. Open it\n2. Save",
           "data": {"buttons": fixed}},
          {"event": "bot", "timestamp": 2.5, "text": "Did that fix it? <b>x</b>", "data": {"buttons": fixed}},
          {"event": "user", "timestamp": 3.0, "text": "/deny"})
    ticket(console)
    console.sign_in("anna")
    messages = console.get(f"/console/api/agent/chats/{CONVERSATION}/messages?after=0").json["messages"]
    assert [(m["kind"], m["text"]) for m in messages] == [
        ("customer", "opened the chat"), ("assistant", "**Account 1930** is closed.\n1. Open it\n2. Save"),
        ("assistant", "Did that fix it? <b>x</b>"), ("customer", "No, still failing")]
    assert messages[0]["hidden"] and messages[3]["button"] and messages[3]["payload"] == "/deny"
    assert messages[1]["html"] == ("<p><strong>Account 1930</strong> is closed.</p>"
                                   "<ol><li>Open it</li><li>Save</li></ol>")
    assert messages[2]["html"] == "<p>Did that fix it? &lt;b&gt;x&lt;/b&gt;</p>"
    # Polled from after the buttons' message: the title still comes from it.
    later = console.get(f"/console/api/agent/chats/{CONVERSATION}/messages?after={messages[2]['id']}").json
    assert [m["text"] for m in later["messages"]] == ["No, still failing"]

    page = console.get(f"/console/agent/chats/{CONVERSATION}").get_data(as_text=True)
    assert "<strong>Account 1930</strong>" in page and "<li>Open it</li>" in page
    assert "No, still failing" in page and ">/deny<" not in page and "**" not in page
    assert "Did that fix it? &lt;b&gt;x&lt;/b&gt;" in page


def test_an_address_typed_during_the_live_chat_is_shown_to_the_agent(console):
    from bot.handoff import lifecycle

    ticket(console)
    console.sign_in("anna")
    assert console.post(f"/console/agent/chats/{CONVERSATION}/claim").status_code == 302
    assert "—" in console.get(f"/console/agent/chats/{CONVERSATION}").get_data(as_text=True)
    saved = lifecycle.save_email_typed_live(UnitOfWork(console.databases.sessions), CONVERSATION,
                                            "mail me: anna@example.se")
    assert saved == "anna@example.se"
    data = console.get(f"/console/api/agent/chats/{CONVERSATION}/messages?after=0").json
    assert data["ticket"]["contact_email"] == "anna@example.se"
    page = console.get(f"/console/agent/chats/{CONVERSATION}").get_data(as_text=True)
    assert 'id="contact-email">anna@example.se<' in page


def test_a_new_agent_confirms_the_name_customers_see_before_taking_chats(console):
    ticket(console)
    console.sign_in("adam")
    assert console.get("/console/api/agent/inbox").json["me"]["name_confirmed"] is False
    page = console.get("/console/agent/").get_data(as_text=True)
    assert 'id="name-prompt"' in page and "Adam from support" in page and "autofocus" in page
    refused = console.client.post("/console/agent/duty", data={
        "on_duty": "yes", "csrf_token": console.csrf()}, headers={"X-Requested-With": "fetch"})
    assert refused.status_code == 400 and "first name customers see" in refused.json["error"]
    taken = console.client.post(f"/console/agent/chats/{CONVERSATION}/claim", data={
        "csrf_token": console.csrf()}, headers={"X-Requested-With": "fetch"})
    assert taken.status_code == 409 and "first name customers see" in taken.json["error"]
    assert console.api.calls == [] and console.get("/console/api/agent/inbox").json["me"]["on_duty"] is False
    assert console.post("/console/agent/duty", {"on_duty": "no"}).status_code == 302  # off: always

    assert console.post("/console/agent/name", {"first_name": "Adam"}).status_code == 302
    assert 'id="name-prompt"' not in console.get("/console/agent/").get_data(as_text=True)
    assert console.post("/console/agent/duty", {"on_duty": "yes"}).status_code == 302
    assert console.get("/console/api/agent/inbox").json["me"]["on_duty"] is True
    assert console.post(f"/console/agent/chats/{CONVERSATION}/claim").status_code == 302
    assert console.api.calls
