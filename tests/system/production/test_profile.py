"""The production profile answers through nginx on both channels, and is locked down."""
import uuid

import requests
import socketio

from tests.system.production.conftest import API_TOKEN


def say(base_url, sender, message):
    response = requests.post(f"{base_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": message}, timeout=30)
    assert response.status_code == 200, response.text
    return "\n".join(m.get("text", "") for m in response.json())


def test_all_processes_run(production):
    # No action server: the Rasa processes run the actions (bot/runtime/in_process_actions.py).
    assert set(production.processes) == {"rasa server 1", "rasa server 2", "load balancer",
                                         "pages"}


def test_a_conversation_spread_over_both_processes_stays_whole(production, base_url, postgres):
    sender = f"prod-{uuid.uuid4().hex}"
    # least_conn spreads consecutive requests; the tracker in PostgreSQL carries the state.
    assert "account 1930" in say(base_url, sender, "Account 1930 is not active")
    assert "passed this conversation" in say(base_url, sender, "no it still fails")
    assert postgres.count("SELECT count(*) FROM handoff_tickets WHERE conversation_id = :c",
                          c=sender) == 1
    assert postgres.count("SELECT count(*) FROM events WHERE sender_id = :c "
                          "AND type_name = 'user'", c=sender) == 2


async def test_socketio_through_the_balancer(production, base_url):
    client = socketio.AsyncClient(reconnection=False)
    answers = []
    client.on("bot_uttered", answers.append)
    session = uuid.uuid4().hex
    await client.connect(base_url, transports=["websocket"])
    await client.emit("session_request", {"session_id": session})
    await client.sleep(0.5)
    await client.emit("user_uttered", {"message": "hej", "session_id": session})
    for _ in range(100):
        if answers:
            break
        await client.sleep(0.1)
    await client.disconnect()
    assert answers and "Hej!" in answers[0]["text"]


def test_rasa_http_api_needs_the_token(production, base_url):
    sender = f"prod-{uuid.uuid4().hex}"
    say(base_url, sender, "hi")
    url = f"{base_url}/conversations/{sender}/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "wrong"}, timeout=10).status_code == 401
    assert requests.get(url, params={"token": API_TOKEN}, timeout=10).status_code == 200


def test_bodies_over_64_kb_are_refused_by_the_balancer(production, base_url):
    body = b'{"sender": "0123456789abcdef0", "message": "' + b"x" * 70_000 + b'"}'
    response = requests.post(f"{base_url}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413
