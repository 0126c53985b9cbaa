"""The outside probe of issue 14 replayed on the real assistant (embedded profile, its
defaults): personal data in what is stored and in what could become training data (item
3), who may talk to the Rasa server from a web page (item 6), and whose address a message
counts against (item 7).

One assistant for the module.  Every REST message counts against one address (the tests'
own, loopback: no proxy is trusted), so the rate-limit test runs last and counts what the
others sent.
"""
from __future__ import annotations

import uuid

import pytest
import requests
import socketio

from bot.trainer.datafile import ExampleRefused, TrainingData
from tests.support.assistants import TEST_OUTPUT, embedded_env, require_trained_model, running_assistant, user_events
from tests.support.trainer_data import copy_project

ADDRESS_LIMIT = 6
FOREIGN = "http://evil.example"
PERSONAL = ("My IBAN is SE4550000000058398257466 thanks. Cards 4111.1111.1111.1111 and 4111/1111/1111/1111, "
            "pnr 19121212 - 1212, \uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 "
            "\uff11\uff11\uff11\uff11, 5555\u200b5555\u200b5555\u200b4444, mail anna (at) example.com")
LEAKS = ("SE4550000000058398257466", "4111.1111", "4111/1111", "19121212", "\uff14\uff11\uff11\uff11", "5555",
         "anna")
UNKNOWN_NUMBER = "customer 48213377 cannot export"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    require_trained_model()
    data = tmp_path_factory.mktemp("probe-privacy")

    def env_for(ports):
        return embedded_env(data, ports, RATE_LIMIT_PER_ADDRESS=str(ADDRESS_LIMIT))

    with running_assistant(env_for, TEST_OUTPUT / "probe-privacy") as (running, ports):
        running.ports = ports
        running.tracker_db = data / "tracker.db"
        yield running


@pytest.fixture(scope="module")
def sent():
    """REST messages the module's tests sent (all count against the tests' address)."""
    return []


def post(assistant, sent, body, **headers):
    response = requests.post(f"{assistant.ports.rasa_url}/webhooks/rest/webhook", json=body,
                             headers=headers, timeout=30)
    sent.append(response.status_code)
    return response


# -- item 3: personal data is masked where it is stored, and never becomes training data

def test_the_probes_personal_data_is_stored_masked(assistant, sent, tmp_path):
    conversation = uuid.uuid4().hex
    response = post(assistant, sent, {"sender": conversation, "message": PERSONAL,
                                      "metadata": {"transaction": {"19811218-9876": "account holder"}}})
    assert response.status_code == 200
    assert post(assistant, sent, {"sender": conversation, "message": UNKNOWN_NUMBER}).status_code == 200
    stored = user_events(assistant.tracker_db, conversation)
    assert len(stored) == 2
    first = stored[0]
    assert not [leak for leak in LEAKS if leak in first["text"]], first["text"]
    for label in ("[iban]", "[card number]", "[personnummer]", "[e-mail]"):
        assert label in first["text"]
    assert first["metadata"]["transaction"] == {"[personnummer]": "account holder"}
    assert stored[1]["text"] == UNKNOWN_NUMBER  # no pattern knows it: stored as written ...
    project = copy_project(tmp_path)
    before = (project.nlu_dir / "en.yml").read_text(encoding="utf-8")
    for event in stored:  # ... and the trainer refuses it, as it refuses the masked one
        with pytest.raises(ExampleRefused, match="personal data"):
            TrainingData(project).add(event["text"], "export_failed", "en")
    assert (project.nlu_dir / "en.yml").read_text(encoding="utf-8") == before


# -- item 6: a page elsewhere cannot use its visitors' browsers to talk to the assistant

@pytest.mark.parametrize("path,method", [("/webhooks/rest/webhook", "OPTIONS"), ("/", "GET"),
                                         ("/webhooks/rest/webhook", "POST")])
def test_rasa_answers_cors_only_to_the_pages_own_origin(assistant, path, method):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    for origin, allowed in ((FOREIGN, False), (assistant.ports.pages_url, True)):
        response = requests.request(method, assistant.ports.rasa_url + path, timeout=30,
                                    headers={"Origin": origin, **(preflight if method == "OPTIONS" else {})})
        granted = response.headers.get("Access-Control-Allow-Origin")
        assert (granted == origin) is allowed and granted != "*", (origin, response.headers)


def test_the_webhook_refuses_json_sent_as_text(assistant):
    conversation = uuid.uuid4().hex
    response = requests.post(f"{assistant.ports.rasa_url}/webhooks/rest/webhook",
                             data='{"sender": "%s", "message": "/request_human"}' % conversation,
                             headers={"Content-Type": "text/plain", "Origin": FOREIGN}, timeout=30)
    assert response.status_code == 415
    assert user_events(assistant.tracker_db, conversation, timeout=1) == []


async def test_socketio_refuses_a_foreign_page_and_serves_the_demo_page(assistant):
    errors = []
    foreign = socketio.AsyncClient(reconnection=False)
    foreign.on("connect_error", lambda data: errors.append(data))
    with pytest.raises(socketio.exceptions.ConnectionError):
        await foreign.connect(assistant.ports.rasa_url, headers={"Origin": FOREIGN}, wait_timeout=3)
    assert errors
    own = socketio.AsyncClient(reconnection=False)
    confirmed = []
    own.on("session_confirm", lambda session: confirmed.append(session))
    await own.connect(assistant.ports.rasa_url, headers={"Origin": assistant.ports.pages_url}, wait_timeout=10)
    conversation = uuid.uuid4().hex
    await own.emit("session_request", {"session_id": conversation})
    for _ in range(50):
        if confirmed:
            break
        await own.sleep(0.1)
    await own.disconnect()
    assert confirmed == [conversation]


# -- item 7: a client does not choose its own rate-limit bucket (last: it uses up the address)

def test_x_real_ip_from_a_client_does_not_give_it_a_bucket_of_its_own(assistant, sent):
    statuses = [post(assistant, sent, {"sender": uuid.uuid4().hex, "message": "hi"},
                     **{"X-Real-IP": f"203.0.113.{n}", "X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in range(1, ADDRESS_LIMIT + 2)]
    # Each of these claims another address; all count against the tests' own (loopback).
    assert statuses[-1] == 429
    assert sent.count(200) <= ADDRESS_LIMIT
