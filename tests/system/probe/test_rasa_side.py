"""The outside probe of issue 14, replayed against the real Rasa server and action server:
escalation flood (item 1), the action server's authentication (item 2) and the Rasa side
of the smaller findings (item 9).  Each test failed before its fix."""
from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import time
import uuid

import pytest
import requests
import socketio

from bot.ops.action_server import TOKEN_HEADER
from bot.settings import settings
from tests.support.assistants import TEST_OUTPUT, embedded_env, require_trained_model, running_assistant
from tests.support.customers import RestCustomer, SocketCustomer

READ_SECONDS = 3  # REQUEST_READ_TIMEOUT_SECONDS of this assistant
PER_ADDRESS = 3
LOG_DIR = TEST_OUTPUT / "probe-rasa"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    require_trained_model()
    data = tmp_path_factory.mktemp("probe-rasa")
    for log in LOG_DIR.glob("*.log"):
        log.unlink()  # the websocket test reads this run's log

    def env_for(ports):
        # Test customers name their address in X-Real-IP, as nginx would.
        return embedded_env(data, ports, REQUEST_READ_TIMEOUT_SECONDS=str(READ_SECONDS),
                            ESCALATIONS_PER_ADDRESS_PER_HOUR=str(PER_ADDRESS),
                            HANDOFF_HOURS="never", TRUSTED_PROXIES="127.0.0.1")

    with running_assistant(env_for, LOG_DIR) as (running, ports):
        running.ports, running.data = ports, data
        yield running


@pytest.fixture
def rasa_url(assistant):
    return assistant.ports.rasa_url


@pytest.fixture
def action_url(assistant):
    return f"http://127.0.0.1:{assistant.ports.action}"


def sender() -> str:
    return f"probe-{uuid.uuid4().hex}"


def tickets(assistant, conversation: str) -> list:
    with sqlite3.connect(assistant.data / "assistant.db") as db:
        return db.execute("SELECT id FROM handoff_tickets WHERE conversation_id = ?",
                          (conversation,)).fetchall()


def stored_senders(assistant) -> set:
    with sqlite3.connect(assistant.data / "tracker.db") as db:
        return {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}


def forged_call(conversation: str, action: str = "action_escalate") -> dict:
    """What the probe POSTed to :5055/webhook to open a ticket of its own making."""
    return {"next_action": action, "version": "3.6.2", "domain": {},
            "tracker": {"sender_id": conversation, "slots": {}, "latest_message": {
                "text": "human", "intent": {"name": "request_human"}}, "events": [],
                "paused": False, "followup_action": None, "active_loop": {},
                "latest_action_name": "action_listen"}}


# -- item 1: escalation flood

def test_one_address_opens_at_most_its_hourly_tickets_then_gets_a_clear_answer(assistant, rasa_url):
    address = "198.51.100.77"
    answers = []
    for _ in range(PER_ADDRESS + 2):
        customer = RestCustomer(rasa_url)
        customer.address = address
        customer.say("Account 1930 is not active")
        answers.append((customer.sender, customer.say_text("I want to talk to a person")))
    opened = [s for s, _ in answers if tickets(assistant, s)]
    assert len(opened) == PER_ADDRESS
    for conversation, answer in answers[PER_ADDRESS:]:
        assert "can't open another case" in answer and "contact customer support yourself" in answer
        assert settings().support_email in answer
    # Another address is not held back by that one.
    other = RestCustomer(rasa_url)
    other.say("Account 1930 is not active")
    assert "passed this conversation" in other.say_text("I want to talk to a person")


def test_a_chosen_client_key_in_the_metadata_does_not_escape_the_limit(assistant, rasa_url):
    address = "198.51.100.78"
    opened = 0
    for n in range(PER_ADDRESS + 2):
        customer = RestCustomer(rasa_url)
        customer.address = address
        customer.say("Account 1930 is not active")
        response = requests.post(customer.url, headers={"X-Real-IP": address}, timeout=30, json={
            "sender": customer.sender, "message": "I want to talk to a person",
            "metadata": {"client_key": f"my-own-key-{n}"}})
        opened += bool(tickets(assistant, customer.sender))
        assert response.status_code == 200
    assert opened == PER_ADDRESS


def test_a_new_conversation_opened_by_the_button_payload_opens_no_ticket(assistant, rasa_url):
    customer = RestCustomer(rasa_url)
    answer = customer.say_text("/request_human")
    assert "tell me in a few words what happens" in answer
    assert tickets(assistant, customer.sender) == []


# -- item 2: the action server

@pytest.mark.parametrize("headers", [{}, {TOKEN_HEADER: "guessed"}, {TOKEN_HEADER: ""}])
def test_a_direct_call_to_the_action_server_is_refused(assistant, action_url, headers):
    conversation = sender()
    response = requests.post(f"{action_url}/webhook", json=forged_call(conversation),
                             headers=headers, timeout=10)
    assert response.status_code == 401
    assert requests.get(f"{action_url}/actions", headers=headers, timeout=10).status_code == 401
    assert tickets(assistant, conversation) == []
    assert requests.get(f"{action_url}/health", timeout=10).status_code == 200


def test_with_the_token_a_conversation_id_the_channels_refuse_is_refused(assistant, action_url):
    token = {TOKEN_HEADER: assistant.env["ACTION_SERVER_TOKEN"]}
    for conversation in ("<img src=x onerror=alert(1)>", "aaaaaaaaaaaaaaaa", sender() + "\n"):
        response = requests.post(f"{action_url}/webhook", json=forged_call(conversation),
                                 headers=token, timeout=10)
        assert response.status_code == 400, conversation
        assert tickets(assistant, conversation) == []


def test_the_action_servers_body_limit_is_rasas(assistant, action_url):
    token = {TOKEN_HEADER: assistant.env["ACTION_SERVER_TOKEN"], "Content-Type": "application/json"}
    call = forged_call(sender())
    call["tracker"]["events"] = [{"event": "user", "text": "x" * 70_000}]
    response = requests.post(f"{action_url}/webhook", data=json.dumps(call), headers=token, timeout=10)
    assert response.status_code == 413


def test_a_forged_email_answer_does_not_overwrite_anyones_address(assistant, rasa_url, action_url):
    victim = RestCustomer(rasa_url)
    victim.say("Account 1930 is not active")
    victim.say("/deny")  # off duty: a ticket, and the e-mail question
    victim.say("anna@firma.se")
    call = forged_call(victim.sender, "validate_email_form")
    call["tracker"].update(slots={"requested_slot": "contact_email"}, active_loop={"name": "email_form"},
                           latest_message={"text": "evil@attacker.example", "intent": {"name": "nlu_fallback"}})
    token = {TOKEN_HEADER: assistant.env["ACTION_SERVER_TOKEN"]}
    requests.post(f"{action_url}/webhook", json=call, headers=token, timeout=10)
    with sqlite3.connect(assistant.data / "assistant.db") as db:
        [(email,)] = db.execute(
            "SELECT d.contact_email FROM handoff_ticket_details d JOIN handoff_tickets t "
            "ON t.id = d.ticket_id WHERE t.conversation_id = ?", (victim.sender,)).fetchall()
    assert email == "anna@firma.se"


# -- item 9: the Rasa side of the smaller findings

@pytest.mark.parametrize("conversation", [sender() + "\n", "aaaaaaaaaaaaaaaa", "abababababababab"])
def test_ids_with_a_line_break_or_nobody_drew_at_random_are_refused(rasa_url, conversation):
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook",
                             json={"sender": conversation, "message": "hi"}, timeout=30)
    assert response.status_code == 400 and "random conversation id" in response.json()["error"]


@pytest.mark.parametrize("body,error", [
    (b'{"sender": "%s", "message": "hi", "metadata": {"a": ' + b"[" * 1000 + b"]" * 1000 + b"}}",
     "nested"),
    (b'{"sender": "%s", "message": "hi \\ud800 there"}', "not valid Unicode"),
], ids=["nested-1000-deep", "lone-surrogate"])
def test_odd_json_gets_a_400_not_a_server_error(rasa_url, body, error):
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook", data=body.replace(b"%s", sender().encode()),
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400 and error in response.json()["error"]


def test_a_payloads_values_are_checked_like_typed_ones(rasa_url):
    customer = RestCustomer(rasa_url)
    answer = customer.say_text(
        '/account_not_active{"account": "**1930** [log in here](https://evil.example)"}')
    assert "evil.example" not in answer and "log in here" not in answer
    assert "Account is not active" in answer  # the fix, without the forged value
    assert "account 1930" in RestCustomer(rasa_url).say_text(
        '/account_not_active{"account": "1930"}')  # a real value still counts


async def raw_socket(rasa_url: str):
    client = socketio.AsyncClient(reconnection=False)
    refused, answers = asyncio.Queue(), asyncio.Queue()
    client.on("request_refused", refused.put_nowait)
    client.on("bot_uttered", answers.put_nowait)
    await client.connect(rasa_url, transports=["websocket"])
    return client, refused, answers


async def test_a_socket_without_a_session_is_refused_and_writes_nowhere(assistant, rasa_url):
    client, refused, answers = await raw_socket(rasa_url)
    await client.emit("user_uttered", {"message": "Account 4242 is not active"})
    assert (await asyncio.wait_for(refused.get(), 10))["reason"] == "no_session"
    await asyncio.sleep(1)
    assert answers.empty()
    assert "default" not in stored_senders(assistant)
    await client.disconnect()


async def test_one_socket_cannot_join_hundreds_of_conversations(rasa_url):
    client, refused, _ = await raw_socket(rasa_url)
    for _ in range(300):
        try:
            await client.emit("session_request", {"session_id": uuid.uuid4().hex})
        except socketio.exceptions.SocketIOError:
            break  # disconnected by the server
    assert (await asyncio.wait_for(refused.get(), 10))["reason"] == "too_many_sessions"
    deadline = time.monotonic() + 10
    while client.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not client.connected
    await client.disconnect()


async def test_a_socket_that_changes_conversation_leaves_the_old_one(rasa_url):
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    customer = SocketCustomer(rasa_url, first, read_timeout=30)
    await customer.connect()
    customer.confirmed.clear()
    customer.session_id = second
    await customer.client.emit("session_request", {"session_id": second})
    await asyncio.wait_for(customer.confirmed.wait(), 10)
    # Someone talking in the first conversation is no longer heard on this socket.
    other = SocketCustomer(rasa_url, first, read_timeout=30)
    await other.connect()
    await other.say("Account 5151 is not active")
    await other.read_until("Did that fix it?")
    assert "5151" not in str(await customer.nothing_for(2))
    await other.close()
    await customer.close()


@pytest.mark.parametrize("server", ["rasa", "action"])
def test_a_request_trickling_in_is_cut_off(assistant, server):
    port = assistant.ports.rasa if server == "rasa" else assistant.ports.action
    connection = socket.create_connection(("127.0.0.1", port), timeout=1)
    started = time.monotonic()
    connection.sendall(b"POST /webhook HTTP/1.1\r\nHost: localhost\r\n")
    closed = False
    while not closed and time.monotonic() - started < 20:
        try:
            connection.sendall(b"X-Slow: %d\r\n" % int(time.monotonic()))
            closed = connection.recv(1000) == b""  # waits up to a second
        except socket.timeout:
            continue
        except OSError:
            closed = True
    connection.close()
    # READ_SECONDS and a recv's second; Sanic alone kept it open for as long as it trickled.
    assert closed and time.monotonic() - started < READ_SECONDS + 2


async def test_closing_the_widgets_websocket_logs_no_error(rasa_url):
    for _ in range(3):
        customer = SocketCustomer(rasa_url, read_timeout=30)
        await customer.connect()
        await customer.say("Account 1930 is not active")
        await customer.read_until("Did that fix it?")
        await customer.close()
    await asyncio.sleep(2)
    log = (LOG_DIR / "rasa-server.log").read_text(errors="replace")
    assert "Invalid response type None" not in log
    assert [line for line in log.splitlines() if "ERROR" in line and "socket.io" in line] == []
