"""A person takes over a chat: the customer on socket.io, agents in the console."""
from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.support.agents import Agent
from tests.support.customers import SocketCustomer


async def wait_for(check, timeout: float = 10, every: float = 0.2):
    """Polls ``check`` (short blocking HTTP calls) without blocking the event loop, so
    the customer's socket.io client keeps sending and receiving meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.get_running_loop().run_in_executor(None, check)
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(every)


def waiting_entry(agent: Agent, conversation_id: str, status: str = "waiting"):
    return next((t for t in agent.inbox()[status] if t["conversation_id"] == conversation_id), None)


def stored_events(live, conversation_id: str) -> list:
    path = Path(live.tracker_store_url.replace("sqlite:///", ""))
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id",
                                  (conversation_id,)).fetchall()
    return [json.loads(row[0]) for row in rows]


@pytest.fixture
def on_duty(anna, bertil, admin):
    anna.set_duty(True)
    bertil.set_duty(False)
    admin.set_duty(False)
    return anna


@pytest.fixture
def off_duty(anna, bertil, admin):
    for agent in (anna, bertil, admin):
        agent.set_duty(False)
    yield
    anna.set_duty(True)


async def escalate(customer: SocketCustomer, expect: str) -> list:
    await customer.say("Account 1930 is not active")
    await customer.read_until("Did that fix it?")
    await customer.say("/deny")
    return await customer.read_until(expect)


async def test_claim_talk_both_ways_reconnect_hand_back_and_resolve(live, on_duty: Agent):
    anna = on_duty
    customer = await SocketCustomer(live.rasa_url, language="en").connect()
    conversation = customer.session_id
    messages = await escalate(customer, "join this chat")
    assert "passed this conversation to our support team" in messages[-1]["text"]
    escalated_at = time.monotonic()
    # The widget learns at once that the chat waits for a person (its header says so).
    statuses = await wait_for(lambda: customer.statuses, timeout=2, every=0.1)
    assert statuses and statuses[-1]["state"] == "waiting"

    # In the inbox within two seconds, with the summary a person needs.
    entry = await wait_for(lambda: waiting_entry(anna, conversation), timeout=2, every=0.1)
    assert entry, "not in the inbox within 2 s"
    assert time.monotonic() - escalated_at < 2
    assert entry["detected_error"] == "account_not_active"
    assert entry["extracted_values"] == {"account": "1930"}
    assert entry["steps_given"] == ["account_not_active"]
    assert entry["language"] == "en" and entry["reason"] == "fix_did_not_work"
    assert 0 <= entry["waited_seconds"] < 30
    page = anna.get("/console/agent/").text
    assert f"Case {entry['id']}" in page and "account_not_active" in page

    # Paused: the customer's message is stored, the assistant says nothing.
    await customer.say("hello? is anyone there")
    assert await customer.nothing_for(3) == []
    assert customer.statuses[-1]["state"] == "waiting"

    # Anna claims it: the customer sees her join, by her first name.
    response = anna.claim(conversation)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/console/agent/chats/{conversation}")
    [joined] = await customer.read_until("joined the chat")
    assert joined["text"] == "Anna from support has joined the chat."
    assert joined["agent"] == {"name": "Anna"}

    # Both directions.
    assert anna.reply(conversation, "Hi, I'm Anna. Which year is the voucher in?").status_code == 302
    [reply] = await customer.read_until("Which year")
    assert reply["agent"] == {"name": "Anna"} and reply["id"].startswith("agent-")
    await customer.say("It is 2024, and account 1930 is active there")
    chat = await wait_for(lambda: [m for m in anna.messages(conversation)["messages"]
                             if m["kind"] == "customer" and "2024" in m["text"]])
    assert chat, anna.messages(conversation)
    everything = anna.messages(conversation)["messages"]
    kinds = [(m["kind"], m["text"]) for m in everything]
    assert ("customer", "hello? is anyone there") in kinds
    assert ("agent", "Hi, I'm Anna. Which year is the voucher in?") in kinds
    after = everything[-1]["id"]
    assert anna.messages(conversation, after)["messages"] == []
    assert await customer.nothing_for(2) == []  # still only Anna answers

    # The customer reloads: a new socket for the same conversation finds Anna there,
    # with what she wrote.
    await customer.close()
    customer = await SocketCustomer(live.rasa_url, conversation, language="en").connect()
    status = await wait_for(lambda: customer.statuses, timeout=5)
    assert status[-1]["state"] == "agent" and status[-1]["agent"] == "Anna"
    assert [m["text"] for m in status[-1]["messages"]][-1] == "Hi, I'm Anna. Which year is the voucher in?"

    # Another agent cannot take or write into Anna's chat.
    # Anna hands back: the assistant says it is back, and answers again.
    response = anna.post(anna.chat_path(conversation) + "/hand-back")
    assert response.status_code == 302
    [back] = await customer.read_until("I'm back")
    assert "agent" not in back
    await customer.say("Account 1930 is not active")
    answer = await customer.read_until("Did that fix it?")
    assert any("1930" in (m.get("text") or "") for m in answer)

    # The transcript has the whole chat, Anna's messages included.
    events = stored_events(live, conversation)
    agent_events = [e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("agent")]
    assert [e["text"] for e in agent_events] == [
        "Anna from support has joined the chat.", "Hi, I'm Anna. Which year is the voucher in?"]
    transcript = anna.get(f"/console/api/conversations/{conversation}").json()["transcript"]
    assert any(item["kind"] == "bot" and "Which year" in item.get("text", "") for item in transcript)
    assert any(item["kind"] == "user" and "anyone there" in item.get("text", "") for item in transcript)
    # What the customer wrote while waiting and to Anna is labelled so; after the hand back
    # the customer talks to the assistant again.
    assert [item["text"] for item in transcript if item.get("to_agent")] == [
        "hello? is anyone there", "It is 2024, and account 1930 is active there"]

    # A second escalation: Anna claims and resolves it with a note and the real error.
    await customer.say("/deny")
    await customer.read_until("join this chat")
    entry = await wait_for(lambda: waiting_entry(anna, conversation), timeout=2, every=0.1)
    assert entry
    assert anna.claim(conversation).status_code == 302
    await customer.read_until("joined the chat")
    bad = anna.post(anna.chat_path(conversation) + "/resolve", {"note": "", "actual_error": "x"})
    assert bad.status_code == 302  # back to the chat with what is missing
    response = anna.post(anna.chat_path(conversation) + "/resolve", {
        "note": "The year 2024 was locked; unlocked it.", "actual_error": "period_closed"})
    assert response.status_code == 302
    [closed] = await customer.read_until("closed this chat")
    assert "agent" not in closed
    data = anna.messages(conversation)["ticket"]
    assert data["status"] == "resolved"
    assert waiting_entry(anna, conversation, "claimed") is None
    from bot.storage.unit_of_work import UnitOfWork

    with UnitOfWork.for_database(live.database_url) as uow:
        details = uow.tickets.details(data["id"])
        assert details.resolution_note == "The year 2024 was locked; unlocked it."
        assert details.resolved_error == "period_closed" and details.closed_by == "anna.svensson"
    # The conversation counts as resolved, and the console shows how.
    assert await wait_for(lambda: anna.get(f"/console/api/conversations/{conversation}")
                          .json()["summary"]["resolved"])
    [*_, ticket] = anna.get(f"/console/api/conversations/{conversation}").json()["tickets"]
    assert ticket["resolution_note"] == "The year 2024 was locked; unlocked it."
    assert ticket["closed_by"] == "anna.svensson" and ticket["resolved_error"] == "period_closed"
    await customer.say("thanks!")
    await customer.read_until("welcome")
    await customer.close()


async def test_two_agents_claiming_at_once_one_wins(live, on_duty: Agent, bertil: Agent):
    customer = await SocketCustomer(live.rasa_url, language="en").connect()
    await escalate(customer, "join this chat")
    conversation = customer.session_id
    assert await wait_for(lambda: waiting_entry(on_duty, conversation), timeout=2, every=0.1)
    results = {}
    barrier = threading.Barrier(2)

    def claim(agent: Agent):
        barrier.wait()
        results[agent.username] = agent.post(
            agent.chat_path(conversation) + "/claim", headers={"X-Requested-With": "fetch"})

    threads = [threading.Thread(target=claim, args=(a,)) for a in (on_duty, bertil)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409], {k: (r.status_code, r.text) for k, r in results.items()}
    winner = next(name for name, r in results.items() if r.status_code == 200)
    loser = next(r for r in results.values() if r.status_code == 409)
    assert "already has this chat" in loser.json()["error"]
    joined = await customer.read_until("joined the chat")
    assert len([m for m in joined if m.get("agent")]) == 1
    assert await customer.nothing_for(1.5) == []  # one join message, not two
    other = bertil if winner != "bertil" else on_duty
    refused = other.post(other.chat_path(conversation) + "/reply", {"text": "me too"},
                         headers={"X-Requested-With": "fetch"})
    assert refused.status_code == 409
    winner_agent = on_duty if winner == on_duty.username else bertil
    assert winner_agent.post(winner_agent.chat_path(conversation) + "/hand-back").status_code == 302
    await customer.read_until("I'm back")
    await customer.close()


async def test_off_duty_the_customer_is_told_when_and_asked_for_an_email(live, off_duty, anna: Agent):
    customer = await SocketCustomer(live.rasa_url, language="en").connect()
    messages = await escalate(customer, "e-mail address")
    texts = [m.get("text", "") for m in messages]
    assert any("passed this conversation" in t for t in texts)
    assert "a person will answer as soon as someone is free" in texts[-2]
    assert "e-mail address" in texts[-1]
    conversation = customer.session_id
    entry = await wait_for(lambda: waiting_entry(anna, conversation, "open"), timeout=2, every=0.1)
    assert entry and entry["contact_email"] is None

    await customer.say("it's anna@firma")
    again = [m.get("text", "") for m in await customer.read_until("write your e-mail address")]
    # Only what was wrong and the question: the whole account is not repeated.
    assert any("doesn't look like a whole e-mail address" in t for t in again), again
    assert not any("passed this conversation" in t or "will answer" in t for t in again), again
    await customer.say("sure: Anna.Svensson@Firma.se")
    await customer.read_until("We'll write to that address")
    entry = await wait_for(lambda: (waiting_entry(anna, conversation, "open") or {}).get("contact_email"))
    assert entry == "Anna.Svensson@firma.se"
    # The assistant goes on as usual, and the address is masked in the stored conversation.
    await customer.say("Account 1930 is not active")
    await customer.read_until("Did that fix it?")
    stored = json.dumps(stored_events(live, conversation))
    assert "Svensson@" not in stored and "[e-mail]" in stored
    await customer.close()


async def test_off_duty_anything_but_an_address_is_answered_as_usual(live, off_duty):
    customer = await SocketCustomer(live.rasa_url, language="en").connect()
    await escalate(customer, "e-mail address")
    await customer.say("Thank you!")
    await customer.read_until("welcome")
    await customer.say("can I talk to a real person please")
    messages = await customer.read_until("e-mail address")
    assert any("already with our support team" in (m.get("text") or "") for m in messages)
    await customer.close()


async def test_nobody_claims_in_time(live, on_duty: Agent):
    from bot.handoff.watcher import ClaimTimeoutWatcher  # noqa: F401 (what the pages process runs)
    from bot.handoff.hours import OpeningHours
    from bot.handoff.rasa_api import RasaApi
    from bot.handoff.lifecycle import time_out_waiting
    from bot.storage.unit_of_work import UnitOfWork

    customer = await SocketCustomer(live.rasa_url, language="en").connect()
    await escalate(customer, "join this chat")
    conversation = customer.session_id
    assert await wait_for(lambda: waiting_entry(on_duty, conversation), timeout=2, every=0.1)
    api = RasaApi(f"http://127.0.0.1:{live.ports.rasa}", live.env["RASA_API_TOKEN"])
    moved = time_out_waiting(UnitOfWork.for_database(live.database_url), api,
                             OpeningHours.parse("always"), timeout_seconds=0)
    entry = waiting_entry(on_duty, conversation, "open")
    assert entry and entry["id"] in moved
    messages = await customer.read_until("e-mail address")
    assert any("everyone in support is busy" in (m.get("text") or "") for m in messages)
    await customer.say("per@bolag.se")
    await customer.read_until("We'll write to that address")
    assert await wait_for(lambda: (waiting_entry(on_duty, conversation, "open") or {}).get("contact_email"))
    # Still in the inbox for follow-up: it can be claimed and resolved there.
    assert on_duty.claim(conversation).status_code == 302
    await customer.read_until("joined the chat")
    assert on_duty.post(on_duty.chat_path(conversation) + "/resolve", {
        "note": "Answered by e-mail.", "actual_error": "account_not_active"}).status_code == 302
    await customer.read_until("closed this chat")
    await customer.close()


async def test_a_follow_up_becomes_a_live_chat_when_asked_again_on_duty(live, off_duty, anna: Agent):
    customer = await SocketCustomer(live.rasa_url, language="en").connect()
    await escalate(customer, "e-mail address")
    conversation = customer.session_id
    follow_up = await wait_for(lambda: waiting_entry(anna, conversation, "open"), timeout=2, every=0.1)
    assert follow_up
    anna.set_duty(True)
    await customer.say("can I talk to a real person please")
    messages = await customer.read_until("already with our support team")
    assert not any("e-mail address" in (m.get("text") or "") for m in messages)
    entry = await wait_for(lambda: waiting_entry(anna, conversation), timeout=2, every=0.1)
    assert entry and entry["id"] == follow_up["id"]
    statuses = await wait_for(lambda: customer.statuses, timeout=2, every=0.1)
    assert statuses[-1]["state"] == "waiting"
    # Paused: nothing more from the assistant; Anna takes it live.
    await customer.say("hello?")
    assert await customer.nothing_for(2) == []
    assert anna.claim(conversation).status_code == 302
    await customer.read_until("joined the chat")
    await customer.close()


async def test_a_new_escalation_reaches_the_inbox_within_2_s_behind_1000_old_follow_ups(
        live, on_duty: Agent):
    # A bank's database after months: 1,000 open follow-ups, 250 chats left in progress.
    path = Path(live.env["DATABASE_URL"].replace("sqlite:///", ""))
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO handoff_tickets (conversation_id, reason, extracted_values, steps_given,"
            " recent_messages, language, status, created_at) VALUES (?, 'off_duty', '{}', '[]',"
            " '[]', 'sv', ?, ?)",
            [(f"conv-aged-{status}-{i:010d}", status, f"2026-0{1 + i % 8}-01 08:00:00.000000")
             for status, count in (("open", 1000), ("claimed", 250)) for i in range(count)])
    try:
        customer = await SocketCustomer(live.rasa_url, language="en").connect()
        await escalate(customer, "join this chat")
        escalated_at = time.monotonic()
        entry = await wait_for(lambda: waiting_entry(on_duty, customer.session_id),
                               timeout=2, every=0.1)
        assert entry, "not in the inbox within 2 s behind 1,250 older tickets"
        assert time.monotonic() - escalated_at < 2
        inbox = on_duty.inbox()
        assert inbox["open_total"] >= 1000 and len(inbox["claimed"]) >= 250
        await customer.close()
    finally:
        with sqlite3.connect(path) as connection:
            connection.execute("DELETE FROM handoff_tickets WHERE conversation_id LIKE 'conv-aged-%'")
