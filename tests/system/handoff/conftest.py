"""Live handoff against the real assistant: Rasa server, action server and the pages
process (console) on ports the OS chooses as they start (tests/support/ports.py) and
temporary SQLite files.

The customer is a real socket.io client (as the widget); agents use the console's own
interface over HTTP: they sign in, take forms' CSRF tokens and post the forms.  The
opening hours are "always"; who is on duty is each test's business (``duty``).  The
claim timeout is off in this assistant: tests run the watcher's round themselves
(bot/handoff/watcher.py does the same on a timer in the pages process).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest

from bot.ops.launcher import Assistant
from tests.support.agents import Agent
from tests.support.assistants import (TEST_OUTPUT, AssistantPorts, embedded_env, require_trained_model,
                                      running_assistant)

ADMIN_PASSWORD = "handoff admin password for tests"
AGENT_PASSWORD = "handoff agent password 1"
LOG_DIR = TEST_OUTPUT / "handoff"


@dataclass
class Live:
    assistant: Assistant
    data_dir: Path
    env: Dict[str, str]
    ports: AssistantPorts

    @property
    def rasa_url(self) -> str:
        return self.ports.rasa_url

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]

    @property
    def tracker_store_url(self) -> str:
        return self.env["TRACKER_STORE_URL"]


@pytest.fixture(scope="package")
def live(tmp_path_factory):
    require_trained_model()
    data = tmp_path_factory.mktemp("handoff")
    secret_key = uuid.uuid4().hex * 2

    def env_for(ports: AssistantPorts) -> Dict[str, str]:
        return embedded_env(data, ports, **{
            "CONSOLE_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "CONSOLE_SECRET_KEY": secret_key,
            "HANDOFF_HOURS": "always",
            "HANDOFF_CLAIM_TIMEOUT_SECONDS": "0",
        })

    with running_assistant(env_for, LOG_DIR / "logs") as (running, ports):
        yield Live(running, data, {**env_for(ports), "RASA_API_TOKEN": running.env["RASA_API_TOKEN"]},
                   ports)


@pytest.fixture(scope="package")
def admin(live) -> Agent:
    return Agent(live.ports.pages_url, "admin", ADMIN_PASSWORD)


def make_agent(admin: Agent, username: str) -> Agent:
    page = admin.post("/console/users", {"username": username, "role": "agent",
                                         "password": AGENT_PASSWORD})
    assert page.status_code == 200, page.status_code
    return Agent(admin.pages_url, username, AGENT_PASSWORD)


@pytest.fixture(scope="package")
def anna(admin) -> Agent:
    agent = make_agent(admin, "anna.svensson")
    agent.set_duty(True)
    return agent


@pytest.fixture(scope="package")
def bertil(admin) -> Agent:
    return make_agent(admin, "bertil")
