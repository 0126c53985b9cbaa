"""Starts the real assistant (Rasa server + action server) once for the end-to-end tests.

It runs on its own ports and its own SQLite files, so it does not disturb a
`make run` in another terminal.  `make test` trains the model first; without one the
tests fail rather than skip.
"""
from __future__ import annotations

import json

import pytest

from bot.ops.launcher import Assistant
from tests.support.assistants import TEST_OUTPUT, embedded_env, require_trained_model
from tests.support.customers import RestCustomer

RASA_PORT = 5105
ACTION_PORT = 5155
PAGES_PORT = 8180
# Low enough for a test to reach quickly; every test customer has its own address.
ADDRESS_LIMIT = 40
LOG_DIR = TEST_OUTPUT


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    require_trained_model()
    data = tmp_path_factory.mktemp("e2e")
    env = embedded_env(data, RASA_PORT, ACTION_PORT, PAGES_PORT,
                       RATE_LIMIT_PER_ADDRESS=str(ADDRESS_LIMIT))
    running = Assistant(env=env, log_dir=LOG_DIR).start()
    running.env_for_tests = env
    yield running
    running.stop()


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
