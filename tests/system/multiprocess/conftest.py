"""Live handoff with two Rasa processes behind nginx, PostgreSQL and Redis (the production
profile), with private PostgreSQL and Redis servers, everything on ports the OS chooses as
it starts (tests/support/ports.py).

The customer's socket is connected to Rasa process 1 directly, and the console talks to
Rasa process 2 (HANDOFF_RASA_URL): every agent message has to cross from one process to
the other, and the pause has to hold in a process that never saw it happen.
"""
from __future__ import annotations

import uuid

import pytest

from tests.support.assistants import TEST_OUTPUT, AssistantPorts, require_trained_model, running_assistant
from tests.support.servers import PrivatePostgres, PrivateRedis

ADMIN_PASSWORD = "handoff admin password for tests"
LOG_DIR = TEST_OUTPUT / "handoff-multiprocess"


@pytest.fixture(scope="package")
def servers():
    postgres = PrivatePostgres().start()
    redis_server = PrivateRedis().start()
    yield postgres, redis_server
    redis_server.kill()
    postgres.remove()


@pytest.fixture(scope="package")
def two_processes(servers) -> AssistantPorts:
    """The running assistant's ports (Rasa processes 1 and 2: ``rasa_process_url``)."""
    require_trained_model()
    postgres, redis_server = servers
    api_token, secret_key = uuid.uuid4().hex, uuid.uuid4().hex * 2

    def env_for(ports: AssistantPorts):
        return {
            **ports.env(), "ASSISTANT_PROFILE": "production",
            "RASA_PROCESSES": "2", "DATABASE_URL": postgres.url, "TRACKER_STORE_URL": postgres.url,
            "REDIS_URL": redis_server.url, "RASA_API_TOKEN": api_token,
            "CONSOLE_ADMIN_PASSWORD": ADMIN_PASSWORD, "CONSOLE_SECRET_KEY": secret_key,
            "HANDOFF_HOURS": "always", "HANDOFF_CLAIM_TIMEOUT_SECONDS": "0",
            "HANDOFF_RASA_URL": ports.rasa_process_url(2),
        }

    with running_assistant(env_for, LOG_DIR, rasa_processes=2) as (_, ports):
        yield ports
