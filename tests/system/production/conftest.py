"""The production profile for real: two Rasa processes behind nginx, the Redis lock
store and PostgreSQL, with private PostgreSQL and Redis servers the fault tests may
restart and kill (tests/support/servers.py)."""
from __future__ import annotations

import uuid

import pytest

from bot.ops.launcher import Assistant
from tests.support.assistants import TEST_OUTPUT, require_trained_model
from tests.support.servers import PrivatePostgres, PrivateRedis

PORTS = {"RASA_PORT": "5805", "ACTION_PORT": "5855", "PAGES_PORT": "8880"}
API_TOKEN = uuid.uuid4().hex
LOG_DIR = TEST_OUTPUT / "production"


@pytest.fixture(scope="package")
def postgres():
    server = PrivatePostgres(5441).start()
    yield server
    server.remove()


@pytest.fixture(scope="package")
def redis_server():
    server = PrivateRedis(6391).start()
    yield server
    server.kill()


@pytest.fixture(scope="package")
def production(postgres, redis_server):
    require_trained_model()
    env = {**PORTS, "ASSISTANT_PROFILE": "production", "RASA_PROCESSES": "2",
           "DATABASE_URL": postgres.url, "TRACKER_STORE_URL": postgres.url,
           "REDIS_URL": redis_server.url, "RASA_API_TOKEN": API_TOKEN}
    assistant = Assistant(env=env, log_dir=LOG_DIR).start()
    yield assistant
    assistant.stop()


@pytest.fixture
def base_url(production):
    return f"http://127.0.0.1:{PORTS['RASA_PORT']}"
