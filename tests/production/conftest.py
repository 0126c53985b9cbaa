"""The production profile for real: two Rasa processes behind nginx, the Redis lock
store and PostgreSQL, with private PostgreSQL and Redis servers the fault tests may
restart and kill (see servers.py)."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bot.ops.launcher import MODEL_PATH, Assistant
from tests.production.servers import PrivatePostgres, PrivateRedis

PORTS = {"RASA_PORT": "5805", "ACTION_PORT": "5855", "PAGES_PORT": "8880"}
API_TOKEN = uuid.uuid4().hex
LOG_DIR = Path(__file__).resolve().parents[1] / ".output" / "production"


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
    assert MODEL_PATH.exists(), "no trained model: run `make train` (make test does)"
    env = {**PORTS, "ASSISTANT_PROFILE": "production", "RASA_PROCESSES": "2",
           "DATABASE_URL": postgres.url, "TRACKER_STORE_URL": postgres.url,
           "REDIS_URL": redis_server.url, "RASA_API_TOKEN": API_TOKEN}
    assistant = Assistant(env=env, log_dir=LOG_DIR).start()
    yield assistant
    assistant.stop()


@pytest.fixture
def base_url(production):
    return f"http://127.0.0.1:{PORTS['RASA_PORT']}"
