"""Starts the real assistant (Rasa server + action server) once for the end-to-end tests.

It runs on ports the OS chooses as it starts (tests/support/ports.py) and its own SQLite
files, so it does not disturb a `make run` or another test run.  `make test` trains the model first; without one the
tests fail rather than skip.
"""
from __future__ import annotations

import json

import pytest

from tests.support.assistants import TEST_OUTPUT, embedded_env, require_trained_model, running_assistant
from tests.support.customers import RestCustomer

# Low enough for a test to reach quickly; every test customer has its own address.
ADDRESS_LIMIT = 40
LOG_DIR = TEST_OUTPUT


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    require_trained_model()
    data = tmp_path_factory.mktemp("e2e")

    def env_for(ports):
        # The tests stand in for the production nginx: their X-Real-IP headers give each
        # customer an address of its own, believed because loopback is the trusted proxy.
        return embedded_env(data, ports, RATE_LIMIT_PER_ADDRESS=str(ADDRESS_LIMIT), TRUSTED_PROXIES="127.0.0.1")

    with running_assistant(env_for, LOG_DIR) as (running, ports):
        running.env_for_tests = env_for(ports)
        running.ports = ports
        yield running


@pytest.fixture
def rasa_url(assistant):
    return assistant.ports.rasa_url


@pytest.fixture
def customer(rasa_url):
    return RestCustomer(rasa_url)


def buttons_of(messages: list) -> list:
    return [b for m in messages for b in m.get("buttons", [])]


def dump(messages) -> str:
    return json.dumps(messages, ensure_ascii=False, indent=1)
