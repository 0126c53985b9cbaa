"""Starts the real assistant (Rasa server + action server) once for the end-to-end tests.

It runs on its own ports and its own SQLite files, so it does not disturb a
`make run` in another terminal.  `make test` trains the model first; without one the
tests fail rather than skip.
"""
from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

import pytest
import requests

from bot.ops.launcher import MODEL_PATH, Assistant
from tests.conftest import embedded_env

RASA_PORT = 5105
ACTION_PORT = 5155
PAGES_PORT = 8180
# Low enough for a test to reach quickly; every test customer has its own address.
ADDRESS_LIMIT = 40
LOG_DIR = Path(__file__).resolve().parents[1] / ".output"


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    assert MODEL_PATH.exists(), "no trained model: run `make train` (make test does)"
    data = tmp_path_factory.mktemp("e2e")
    env = embedded_env(data, RASA_PORT, ACTION_PORT, PAGES_PORT,
                       RATE_LIMIT_PER_ADDRESS=str(ADDRESS_LIMIT))
    running = Assistant(env=env, log_dir=LOG_DIR).start()
    running.env_for_tests = env
    yield running
    running.stop()


class RestCustomer:
    """A customer talking through the REST channel."""

    def __init__(self, base_url: str, sender: str = None) -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = sender or f"test-{uuid.uuid4().hex}"
        # Each customer comes from an address of its own (a TEST-NET header value, no
        # traffic goes there), as behind the load balancer; see bot/runtime/rate_limit.py.
        self.address = f"203.0.113.{random.randint(1, 254)}"

    def post(self, message, timeout: float = 30) -> requests.Response:
        return requests.post(
            self.url, json={"sender": self.sender, "message": message},
            headers={"X-Real-IP": self.address}, timeout=timeout,
        )

    def say(self, message, timeout: float = 30) -> list:
        response = self.post(message, timeout)
        response.raise_for_status()
        return response.json()

    def say_text(self, message) -> str:
        return "\n".join(m.get("text", "") for m in self.say(message))


@pytest.fixture
def rasa_url(assistant):
    return f"http://localhost:{RASA_PORT}"


@pytest.fixture
def customer(rasa_url):
    return RestCustomer(rasa_url)


def buttons_of(messages: list) -> list:
    return [b for m in messages for b in m.get("buttons", [])]


def dump(messages) -> str:
    return json.dumps(messages, ensure_ascii=False, indent=1)
