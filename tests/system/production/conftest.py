"""The production profile for real: two Rasa processes behind nginx, the Redis lock
store and PostgreSQL, with private PostgreSQL and Redis servers the fault tests may
restart and kill (tests/support/servers.py), everything on ports the OS chooses as it
starts (tests/support/ports.py)."""
from __future__ import annotations

import uuid

import pytest

from tests.support.assistants import TEST_OUTPUT, require_trained_model, running_assistant
from tests.support.servers import PrivatePostgres, PrivateRedis

API_TOKEN = uuid.uuid4().hex
LOG_DIR = TEST_OUTPUT / "production"


@pytest.fixture(scope="package")
def postgres():
    server = PrivatePostgres().start()
    yield server
    server.remove()


@pytest.fixture(scope="package")
def redis_server():
    server = PrivateRedis().start()
    yield server
    server.kill()


def production_env(postgres, redis_server, **more):
    def env_for(ports):
        return {**ports.env(), "ASSISTANT_PROFILE": "production", "RASA_PROCESSES": "2",
                "DATABASE_URL": postgres.url, "TRACKER_STORE_URL": postgres.url,
                "REDIS_URL": redis_server.url, "RASA_API_TOKEN": API_TOKEN, **more}

    return env_for


@pytest.fixture(scope="package")
def production(postgres, redis_server):
    require_trained_model()
    with running_assistant(production_env(postgres, redis_server), LOG_DIR,
                           rasa_processes=2) as (assistant, _):
        yield assistant


@pytest.fixture
def production_with_action_server(postgres, redis_server):
    """The production profile with ACTIONS_IN_PROCESS=0: the actions in the action server,
    behind nginx (as the stock deployment of `make bench` runs them)."""
    require_trained_model()
    env_for = production_env(postgres, redis_server, ACTIONS_IN_PROCESS="0")
    with running_assistant(env_for, LOG_DIR, rasa_processes=2) as (assistant, _):
        yield assistant


@pytest.fixture
def base_url(production):
    return f"http://127.0.0.1:{production.config.rasa_port}"
