"""Live handoff with two Rasa processes behind nginx, PostgreSQL and Redis (the production
profile), on ports of their own (nginx 6010, Rasa 6011 and 6012, actions 6060/6061, pages
9085) with private PostgreSQL (6070) and Redis (6080) servers.

The customer's socket is connected to Rasa process 1 directly, and the console talks to
Rasa process 2 (HANDOFF_RASA_URL): every agent message has to cross from one process to
the other, and the pause has to hold in a process that never saw it happen.
"""
from __future__ import annotations

import uuid

import pytest

from bot.ops.launcher import Assistant
from tests.support.assistants import TEST_OUTPUT, require_trained_model
from tests.support.servers import PrivatePostgres, PrivateRedis

RASA_PORT, ACTION_PORT, PAGES_PORT = 6010, 6060, 9085
PROCESS_1 = f"http://127.0.0.1:{RASA_PORT + 1}"
PROCESS_2 = f"http://127.0.0.1:{RASA_PORT + 2}"
PAGES_URL = f"http://localhost:{PAGES_PORT}"
ADMIN_PASSWORD = "handoff admin password for tests"
LOG_DIR = TEST_OUTPUT / "handoff-multiprocess"


@pytest.fixture(scope="package")
def servers():
    postgres = PrivatePostgres(6070).start()
    redis_server = PrivateRedis(6080).start()
    yield postgres, redis_server
    redis_server.kill()
    postgres.remove()


@pytest.fixture(scope="package")
def two_processes(servers):
    require_trained_model()
    postgres, redis_server = servers
    env = {
        "RASA_PORT": str(RASA_PORT), "ACTION_PORT": str(ACTION_PORT),
        "PAGES_PORT": str(PAGES_PORT), "ASSISTANT_PROFILE": "production",
        "RASA_PROCESSES": "2", "DATABASE_URL": postgres.url, "TRACKER_STORE_URL": postgres.url,
        "REDIS_URL": redis_server.url, "RASA_API_TOKEN": uuid.uuid4().hex,
        "CONSOLE_ADMIN_PASSWORD": ADMIN_PASSWORD, "CONSOLE_SECRET_KEY": uuid.uuid4().hex * 2,
        "HANDOFF_HOURS": "always", "HANDOFF_CLAIM_TIMEOUT_SECONDS": "0",
        "HANDOFF_RASA_URL": PROCESS_2,
    }
    assistant = Assistant(env=env, log_dir=LOG_DIR).start()
    yield assistant
    assistant.stop()
